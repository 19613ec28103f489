//! Reading an ONNX node's attributes and constant tensors (initializers,
//! `Constant` nodes, tensor attributes) into plain vectors, refusing what
//! the importer does not read (external data, sparse tensors) by name.

use crate::error::{malformed, unsupported, ImportError};
use crate::onnx::proto::{tensor_proto::DataType, AttributeProto, NodeProto, TensorProto};

pub(super) const FORMAT: &str = "ONNX";

/// A constant tensor's values.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Data {
    /// Any floating-point or integer type read as `f64` (int64 beyond
    /// 2^53 loses precision; constants that large are not model weights).
    Num(Vec<f64>),
    /// A string tensor (class labels).
    Str(Vec<String>),
}

/// A constant tensor: its dimensions and values.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Tensor {
    pub dims: Vec<i64>,
    pub data: Data,
}

impl Tensor {
    /// The numbers, or an error naming `what` for a string tensor.
    pub fn nums(&self, what: &str) -> Result<&[f64], ImportError> {
        match &self.data {
            Data::Num(v) => Ok(v),
            Data::Str(_) => Err(malformed(
                FORMAT,
                what,
                "a string tensor where numbers are needed",
            )),
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::Num(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }
}

fn le_chunks<'a, const N: usize>(
    raw: &'a [u8],
    at: &str,
) -> Result<impl Iterator<Item = [u8; N]> + 'a, ImportError> {
    if !raw.len().is_multiple_of(N) {
        return Err(malformed(
            FORMAT,
            at,
            format!(
                "raw_data of {} bytes is not a whole number of {N}-byte values",
                raw.len()
            ),
        ));
    }
    Ok(raw.chunks_exact(N).map(|c| {
        let mut b = [0u8; N];
        b.copy_from_slice(c);
        b
    }))
}

/// The values of `t`, checked against its dimensions; `at` names it in errors.
pub(super) fn tensor(t: &TensorProto, at: &str) -> Result<Tensor, ImportError> {
    if !t.external_data.is_empty() || t.data_location == Some(1) {
        return Err(unsupported(
            FORMAT,
            format!("{at}: a tensor stored in an external file"),
        ));
    }
    if t.segment.is_some() {
        return Err(unsupported(FORMAT, format!("{at}: a segmented tensor")));
    }
    if t.dims.iter().any(|&d| d < 0) {
        return Err(malformed(
            FORMAT,
            at,
            format!("negative dimension in {:?}", t.dims),
        ));
    }
    let count = t
        .dims
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .filter(|&n| n <= 1 << 28)
        .ok_or_else(|| {
            malformed(
                FORMAT,
                at,
                format!("dimensions {:?} hold too many values", t.dims),
            )
        })? as usize;
    let raw = t.raw_data.as_deref();
    let ty = t.data_type.unwrap_or(0);
    let data = if ty == DataType::Float as i32 {
        Data::Num(match raw {
            Some(r) => le_chunks::<4>(r, at)?
                .map(|b| f64::from(f32::from_le_bytes(b)))
                .collect(),
            None => t.float_data.iter().map(|&v| f64::from(v)).collect(),
        })
    } else if ty == DataType::Double as i32 {
        Data::Num(match raw {
            Some(r) => le_chunks::<8>(r, at)?.map(f64::from_le_bytes).collect(),
            None => t.double_data.clone(),
        })
    } else if ty == DataType::Int64 as i32 {
        Data::Num(match raw {
            Some(r) => le_chunks::<8>(r, at)?
                .map(|b| i64::from_le_bytes(b) as f64)
                .collect(),
            None => t.int64_data.iter().map(|&v| v as f64).collect(),
        })
    } else if ty == DataType::Int32 as i32 {
        Data::Num(match raw {
            Some(r) => le_chunks::<4>(r, at)?
                .map(|b| f64::from(i32::from_le_bytes(b)))
                .collect(),
            None => t.int32_data.iter().map(|&v| f64::from(v)).collect(),
        })
    } else if ty == DataType::String as i32 {
        Data::Str(
            t.string_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        )
    } else {
        return Err(unsupported(
            FORMAT,
            format!("{at}: a constant of element type {}", type_name(ty)),
        ));
    };
    let tensor = Tensor {
        dims: t.dims.clone(),
        data,
    };
    if tensor.len() != count {
        return Err(malformed(
            FORMAT,
            at,
            format!("{} values for dimensions {:?}", tensor.len(), t.dims),
        ));
    }
    Ok(tensor)
}

/// The name ONNX gives element type `ty`.
pub(super) fn type_name(ty: i32) -> String {
    DataType::try_from(ty).map_or_else(|_| format!("#{ty}"), |t| t.as_str_name().to_lowercase())
}

/// A node's attributes, looked up by name; `at` names the node in errors.
pub(super) struct Attrs<'a> {
    node: &'a NodeProto,
    pub at: String,
}

impl<'a> Attrs<'a> {
    pub fn new(node: &'a NodeProto, at: String) -> Self {
        Attrs { node, at }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node
            .attribute
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
    }

    /// An integer attribute, or `default`.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name).and_then(|a| a.i).unwrap_or(default)
    }

    /// A float attribute, or `default`.
    pub fn float(&self, name: &str, default: f32) -> f32 {
        self.get(name).and_then(|a| a.f).unwrap_or(default)
    }

    /// A string attribute, or `default`.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.get(name).and_then(|a| a.s.as_deref()).map_or_else(
            || default.to_string(),
            |s| String::from_utf8_lossy(s).into_owned(),
        )
    }

    /// A list of floats (empty when absent).
    pub fn floats(&self, name: &str) -> Vec<f32> {
        self.get(name).map(|a| a.floats.clone()).unwrap_or_default()
    }

    /// A list of integers (empty when absent).
    pub fn ints(&self, name: &str) -> Vec<i64> {
        self.get(name).map(|a| a.ints.clone()).unwrap_or_default()
    }

    /// A list of strings (empty when absent).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|a| {
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A tensor attribute, if present.
    pub fn tensor(&self, name: &str) -> Result<Option<Tensor>, ImportError> {
        self.get(name)
            .and_then(|a| a.t.as_ref())
            .map(|t| tensor(t, &format!("{} attribute `{name}`", self.at)))
            .transpose()
    }

    /// Whether the attribute is present at all.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Refuses a list attribute whose length is not `n`.
    pub fn check_len(&self, name: &str, len: usize, n: usize) -> Result<(), ImportError> {
        if len == n {
            Ok(())
        } else {
            Err(malformed(
                FORMAT,
                &self.at,
                format!("attribute `{name}` has {len} values, expected {n}"),
            ))
        }
    }

    /// An error at this node.
    pub fn malformed(&self, message: impl Into<String>) -> ImportError {
        malformed(FORMAT, &self.at, message)
    }

    /// An `Unsupported` error naming this node.
    pub fn unsupported(&self, what: impl std::fmt::Display) -> ImportError {
        unsupported(FORMAT, format!("{}: {what}", self.at))
    }
}
