//! MLSMessage decoding: never panics; whatever decodes re-encodes to bytes
//! that decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_core::codec::{Encode, decode};
use mls_core::messages::MlsMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode::<MlsMessage>(data) {
        let bytes = msg.encode().expect("a decoded message encodes");
        let again = decode::<MlsMessage>(&bytes).expect("a re-encoded message decodes");
        assert_eq!(msg, again, "decode(encode(m)) != m");
    }
});
