//! `Arbitrary` for the parts of the model that hold shared buffers.

use crate::{MqttString, Properties, Property};
use arbitrary::{Arbitrary, Result, Unstructured};
use bytes::Bytes;

pub(crate) fn bytes(u: &mut Unstructured<'_>) -> Result<Bytes> {
    Ok(Bytes::from(Vec::<u8>::arbitrary(u)?))
}

pub(crate) fn opt_bytes(u: &mut Unstructured<'_>) -> Result<Option<Bytes>> {
    Ok(if bool::arbitrary(u)? { Some(bytes(u)?) } else { None })
}

impl<'a> Arbitrary<'a> for MqttString {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Mostly valid text, sometimes any bytes (invalid UTF-8, U+0000, wildcards).
        Ok(if u.ratio(7, 8)? {
            MqttString::from(String::arbitrary(u)?)
        } else {
            MqttString::from_raw(bytes(u)?)
        })
    }
}

impl<'a> Arbitrary<'a> for Properties {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 16)? {
            return Ok(Properties::from_raw(bytes(u)?));
        }
        let props = Vec::<Property>::arbitrary(u)?;
        Ok(Properties::build(props.into_iter().filter(|p| p.encoded_len() < 60_000)).unwrap_or_default())
    }
}
