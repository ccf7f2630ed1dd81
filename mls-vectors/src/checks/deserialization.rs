//! deserialization.json: variable-length vector headers (RFC 9420 §2.1.2).

use mls_core::codec::{read_length, write_length};
use mls_core::crypto::CryptoProvider;
use serde_json::Value;

use super::verdict;
use crate::{Verdict, hex_field, u64_field};

pub fn check(_: &dyn CryptoProvider, entry: &Value) -> Verdict {
    verdict((|| {
        let header = hex_field(entry, "vlbytes_header")?;
        let length = u64_field(entry, "length")? as usize;
        let (got, rest) = read_length(&header).map_err(|e| e.to_string())?;
        if got != length || !rest.is_empty() {
            return Err(format!(
                "decoded {got} (rest {}), expected {length}",
                rest.len()
            ));
        }
        let mut enc = Vec::new();
        write_length(length, &mut enc).map_err(|e| e.to_string())?;
        if enc != header {
            return Err(format!(
                "encoded {}, expected {}",
                hex::encode(enc),
                hex::encode(header)
            ));
        }
        Ok(())
    })())
}
