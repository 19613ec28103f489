//! `mlg explain FILE --stage S`: the text form of one compiler stage.

use mlg::error::Error;
use mlg::explain::StageName;
use mlg_compiler::workflow::Limits;
use std::path::PathBuf;

/// Arguments of `mlg explain`.
#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
    /// ast | graph | ir | optimized | clif
    #[arg(long, default_value = "graph")]
    stage: String,
    /// Only this model (ir, optimized, clif).
    #[arg(long)]
    model: Option<String>,
    /// List every pass: the IR after each pass that changed it, "unchanged" otherwise.
    #[arg(long)]
    passes: bool,
    /// Also run an opt-in compiler transform before the pipeline (repeatable):
    /// quantize-int8, quantize-f16, quantize-int8-dynamic, prune-magnitude=FRACTION,
    /// prune-neurons=FRACTION, low-rank=RANK|ENERGY.
    #[arg(long = "transform", value_name = "NAME[=AMOUNT]")]
    transforms: Vec<String>,
}

/// `NAME` or `NAME=AMOUNT` of `--transform`.
fn parse_transform(text: &str) -> Result<(String, Option<f64>), Error> {
    match text.split_once('=') {
        None => Ok((text.to_string(), None)),
        Some((name, amount)) => amount
            .trim()
            .parse::<f64>()
            .map(|a| (name.trim().to_string(), Some(a)))
            .map_err(|_| Error::Usage(format!("--transform {text}: `{amount}` is not a number"))),
    }
}

/// Prints the requested stage (`ast` parses only; the others check, and
/// `ir`, `optimized` and `clif` train first).
pub fn run(args: &Args, limits: Limits) -> mlg::Result<()> {
    let stage: StageName = args.stage.parse()?;
    let transforms = args
        .transforms
        .iter()
        .map(|t| parse_transform(t))
        .collect::<Result<Vec<_>, Error>>()?;
    let text = if stage == StageName::Ast {
        let source = mlg::session::read_mlg(&args.file)?;
        mlg::Workflow::parse_only(&args.file.display().to_string(), &source)?.to_string()
    } else {
        let wf = mlg::Workflow::from_file_with(&args.file, limits)?;
        crate::diagnostics::print_warnings(&wf);
        mlg::explain::explain_with(&wf, stage, args.model.as_deref(), args.passes, &transforms)?
    };
    crate::out!("{text}");
    Ok(())
}
