//! The data sources of `data NAME = reader(...)`: their operator
//! definitions. The runtime reads the files and the executor joins and stacks
//! the frames; nothing is built here.

use crate::catalog::p;
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType};

/// The data sources, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::spec(OpSpec {
        name: "csv",
        kind: OpKind::Source,
        summary: "read a CSV file with a header row",
        params: &[
            p(
                "path",
                ParamType::Str,
                Default::Required,
                "file path, relative to the .mlg file; a glob such as \"parts/*.csv\" reads every matching file, in name order",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "name of the column to predict",
            ),
            p(
                "types",
                ParamType::StrMap,
                Default::Optional,
                "column kinds that replace inference: \"numeric\", \"categorical\" or \"date\", e.g. { zip = \"categorical\", signup = \"date\" }",
            ),
        ],
    })
    .with_details("A stage without a `target` can only feed `join` or `concat`."),
    OperatorDef::spec(OpSpec {
        name: "parquet",
        kind: OpKind::Source,
        summary: "read a Parquet file",
        params: &[
            p(
                "path",
                ParamType::Str,
                Default::Required,
                "file path, relative to the .mlg file; a glob such as \"parts/*.csv\" reads every matching file, in name order",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "name of the column to predict",
            ),
        ],
    })
    .with_details("Numeric, boolean and string columns, Snappy-compressed or uncompressed."),
    OperatorDef::spec(OpSpec {
        name: "join",
        kind: OpKind::Source,
        summary: "join two data stages on a key column: join(left, right, on = \"id\")",
        params: &[
            p(
                "on",
                ParamType::Str,
                Default::Required,
                "key column present in both inputs",
            ),
            p(
                "how",
                ParamType::Choice(&["inner", "left"]),
                Default::Str("inner"),
                "keep unmatched left rows (\"left\") or not",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "column to predict (default: the left input's target)",
            ),
        ],
    })
    .with_details(
        "SQL semantics on one key column: the right columns of unmatched left rows are missing; \
         the other column names of the two inputs must differ.",
    ),
    OperatorDef::spec(OpSpec {
        name: "concat",
        kind: OpKind::Source,
        summary: "stack data stages with the same columns: concat(a, b, ...)",
        params: &[p(
            "target",
            ParamType::Str,
            Default::Optional,
            "column to predict (default: the first input's target)",
        )],
    })
    .with_details("The rows of the inputs, one input after another."),
];
