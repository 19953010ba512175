//! `Arbitrary` for the parts of the model that hold buffers (shared [`Bytes`] only:
//! a borrowed packet comes from decoding, not from a fuzzer's model).

use crate::{Buffer, MqttString, Properties, Property};
use arbitrary::{Arbitrary, Result, Unstructured};
use bytes::Bytes;

/// A buffer a fuzzer can make from owned bytes.
pub trait ArbBuffer: Buffer {
    /// The buffer holding `v`.
    fn from_vec(v: Vec<u8>) -> Self;
}

impl ArbBuffer for Bytes {
    fn from_vec(v: Vec<u8>) -> Self {
        Bytes::from(v)
    }
}

pub(crate) fn buffer<B: ArbBuffer>(u: &mut Unstructured<'_>) -> Result<B> {
    Ok(B::from_vec(Vec::<u8>::arbitrary(u)?))
}

pub(crate) fn opt_buffer<B: ArbBuffer>(u: &mut Unstructured<'_>) -> Result<Option<B>> {
    Ok(if bool::arbitrary(u)? { Some(buffer(u)?) } else { None })
}

impl<'a, B: ArbBuffer> Arbitrary<'a> for MqttString<B> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Mostly valid text, sometimes any bytes (invalid UTF-8, U+0000, wildcards).
        Ok(if u.ratio(7, 8)? {
            MqttString::from_buffer(B::from_vec(String::arbitrary(u)?.into_bytes()))
        } else {
            MqttString::from_buffer(buffer(u)?)
        })
    }
}

impl<'a, B: ArbBuffer> Arbitrary<'a> for Properties<B> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 16)? {
            return Ok(Properties::from_buffer(buffer(u)?));
        }
        let props = Vec::<Property>::arbitrary(u)?;
        let built =
            Properties::build(props.into_iter().filter(|p| p.encoded_len() < 60_000)).unwrap_or_default();
        Ok(Properties::from_buffer(B::from_vec(built.raw().to_vec())))
    }
}
