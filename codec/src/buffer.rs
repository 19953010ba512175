//! Where the fields of a decoded packet live.
//!
//! Every packet type is generic over its buffer: [`bytes::Bytes`] (the default) shares
//! the input, so a packet can outlive the read buffer and be sent on; `&[u8]` borrows
//! the input, so decoding takes no reference counts at all — for a reader that is done
//! with the packet before it reads on. Both come out of the same strict decoder.

use bytes::{Buf, Bytes};
use std::fmt::Debug;
use std::hash::Hash;
use std::ops::Range;

mod sealed {
    pub trait Sealed {}
    impl Sealed for bytes::Bytes {}
    impl Sealed for &[u8] {}
}

/// Storage for the strings, binary fields, property blocks and payloads of a packet:
/// [`Bytes`] or `&[u8]`.
pub trait Buffer:
    AsRef<[u8]> + Clone + Default + Debug + PartialEq + Eq + Hash + Ord + sealed::Sealed
{
    /// The bytes in `range`, as the same kind of buffer.
    fn sub(&self, range: Range<usize>) -> Self;
    /// This buffer without its first `n` bytes.
    fn skip(self, n: usize) -> Self;
}

impl Buffer for Bytes {
    #[inline]
    fn sub(&self, range: Range<usize>) -> Self {
        self.slice(range)
    }

    #[inline]
    fn skip(mut self, n: usize) -> Self {
        self.advance(n);
        self
    }
}

impl Buffer for &[u8] {
    #[inline]
    fn sub(&self, range: Range<usize>) -> Self {
        &self[range]
    }

    #[inline]
    fn skip(self, n: usize) -> Self {
        &self[n..]
    }
}

/// The bytes of `b` in a buffer of their own.
pub(crate) fn share<B: Buffer>(b: &B) -> Bytes {
    Bytes::copy_from_slice(b.as_ref())
}
