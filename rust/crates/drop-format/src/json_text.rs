//! What TypeScript's `entry-json.ts` checks around its JSON reader, so both verifiers judge
//! an entry's bytes alike: empty entries and a UTF-8 byte-order mark are refused with the
//! same sentence, and values serde would read from another JSON shape (a struct from an
//! array, an enum from an object) are refused as zod refuses them.

use serde_json::Value;

const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// Rejects an empty entry or one that starts with a UTF-8 byte-order mark; the sentence is
/// TypeScript's.
pub(crate) fn check_json_bytes(path: &str, bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err(format!(
            "{path} is empty (0 bytes); it must hold JSON (`[]` for a list with no items): check the PLC export."
        ));
    }
    if bytes.starts_with(&BOM) {
        return Err(format!(
            "{path} starts with a byte-order mark: save as UTF-8 without BOM."
        ));
    }
    Ok(())
}

/// Where an object is expected: serde's derived structs also read JSON arrays.
pub(crate) fn require_object(v: &Value, at: &str) -> Result<(), String> {
    if v.is_object() {
        Ok(())
    } else {
        Err(format!("{at} must be an object ({{...}})"))
    }
}

/// Where a list is expected.
pub(crate) fn require_array<'a>(v: &'a Value, at: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{at} must be a list ([...])"))
}

/// Where an enum's name is expected: serde's derived enums also read `{"auto": null}`.
pub(crate) fn require_string(v: &Value, at: &str) -> Result<(), String> {
    if v.is_string() {
        Ok(())
    } else {
        Err(format!("{at} must be a text string"))
    }
}

/// A list of objects, each with the given enum fields written as strings.
pub(crate) fn require_list_of_objects(bytes: &[u8], enums: &[&str]) -> Result<(), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    for (i, item) in require_array(&v, "the file")?.iter().enumerate() {
        require_object(item, &format!("[{i}]"))?;
        for field in enums {
            if let Some(value) = item.get(field) {
                require_string(value, &format!("[{i}].{field}"))?;
            }
        }
    }
    Ok(())
}
