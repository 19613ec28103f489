//! The session layer: a parsed and checked workflow, with its data loaded
//! once and shared by checking, training and evaluation. Immutable once
//! built; what a run finds (the searches' best trials) the executor keeps.

use crate::error::{Error, Result};
use crate::keep::Keep;
use mlg_compiler::workflow::catalog::{ColumnKind, Schema, SchemaSource};
use mlg_compiler::workflow::stage::DataSource;
use mlg_compiler::workflow::{self, Stage, StageKind};
use mlg_dsl::ast::Program;
use mlg_dsl::{Diagnostic, Span};
use mlg_runtime::combine::JoinHow;
use mlg_runtime::Frame;
use mlg_stdlib::catalog::StdCatalog;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file source's frame key: the path and the declared column kinds.
type FileKey = (PathBuf, Vec<(String, ColumnKind)>);

/// Loads each data file (with its declared column kinds) once; the checker
/// reads schemas through it and the executor reuses the frames.
#[derive(Default)]
struct FrameCache {
    frames: RefCell<Vec<(FileKey, Arc<Frame>)>>,
    /// In a distributed job, whether each rank reads only its shard of a
    /// file (data parallelism) instead of all of it (task parallelism).
    shard: bool,
}

impl FrameCache {
    fn get(
        frames: &[(FileKey, Arc<Frame>)],
        path: &Path,
        types: &[(String, ColumnKind)],
    ) -> Option<Arc<Frame>> {
        frames
            .iter()
            .find(|((p, t), _)| p == path && t == types)
            .map(|(_, frame)| frame.clone())
    }
}

impl SchemaSource for FrameCache {
    fn schema(&self, format: &str, path: &Path) -> std::result::Result<Schema, String> {
        self.schema_typed(format, path, &[])
    }

    fn schema_typed(
        &self,
        format: &str,
        path: &Path,
        types: &[(String, ColumnKind)],
    ) -> std::result::Result<Schema, String> {
        if let Some(frame) = FrameCache::get(&self.frames.borrow(), path, types) {
            return Ok(frame.schema());
        }
        let comm = mlg_runtime::collective::current();
        let frame = if self.shard && comm.size() > 1 {
            crate::shard::read_shard(comm.as_ref(), format, path, types).map_err(|e| e.to_string())?
        } else {
            read_source(format, path, types)?
        };
        let schema = frame.schema();
        self.frames
            .borrow_mut()
            .push(((path.to_path_buf(), types.to_vec()), Arc::new(frame)));
        Ok(schema)
    }
}

/// Reads a file source with the reader its statement names (CSV with the
/// declared column kinds), or every file its glob pattern matches.
fn read_source(
    format: &str,
    path: &Path,
    types: &[(String, ColumnKind)],
) -> std::result::Result<Frame, String> {
    if crate::pattern::is_pattern(path) {
        return crate::pattern::read_all(format, path, types);
    }
    crate::pattern::read_file(format, path, types).map_err(|e| e.to_string())
}

/// The frame of every data stage, in dependency order: file sources from the
/// check-time cache, `join` and `concat` computed from their inputs.
fn data_frames(
    checked: &workflow::Workflow,
    files: &[(FileKey, Arc<Frame>)],
) -> Result<HashMap<String, Arc<Frame>>> {
    let mut frames: HashMap<String, Arc<Frame>> = HashMap::new();
    let get = |frames: &HashMap<String, Arc<Frame>>, name: &str| {
        frames
            .get(name)
            .cloned()
            .ok_or_else(|| Error::Usage(format!("data stage `{name}` has no frame")))
    };
    for &id in checked.graph.order() {
        let stage = checked.graph.stage(id);
        let StageKind::Data(data) = &stage.kind else {
            continue;
        };
        let frame = match &data.source {
            DataSource::File {
                path,
                path_text,
                types,
                ..
            } => FrameCache::get(files, path, types)
                .ok_or_else(|| Error::Usage(format!("data file `{path_text}` was not loaded")))?,
            DataSource::Join { left, right, on, how } => {
                let how = if how == "left" {
                    JoinHow::Left
                } else {
                    JoinHow::Inner
                };
                let (l, r) = (get(&frames, left)?, get(&frames, right)?);
                Arc::new(mlg_runtime::combine::join(&l, &r, on, how)?)
            }
            DataSource::Concat { parts } => {
                let parts = parts
                    .iter()
                    .map(|p| get(&frames, p))
                    .collect::<Result<Vec<_>>>()?;
                let refs: Vec<&Frame> = parts.iter().map(|p| p.as_ref()).collect();
                Arc::new(mlg_runtime::combine::concat(&refs)?)
            }
        };
        frames.insert(stage.name.clone(), frame);
    }
    Ok(frames)
}

/// A `.mlg` file, parsed and checked, with its data frames loaded.
pub struct Workflow {
    /// The file name used in messages.
    pub file: String,
    /// The source text.
    pub source: String,
    /// The parsed program.
    pub program: Program,
    /// The checked workflow graph.
    pub checked: workflow::Workflow,
    /// The folder relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// The frame of every data stage, by stage name.
    frames: HashMap<String, Arc<Frame>>,
    /// How a distributed job runs it (every rank reading every row, or its
    /// share), decided from the file and the size of its data.
    pub mode: crate::mode::Mode,
    /// What the executor shares between stages during a run (the fits that
    /// `compress` variants reuse).
    kept: Keep,
    /// Check-time warnings: the workflow runs, but these columns are unlikely
    /// to help (`mlg::id_column`, `mlg::many_levels`); the CLI prints them.
    pub warnings: Vec<mlg_dsl::Diagnostic>,
}

impl Workflow {
    /// This workflow with every data stage's frame cut to rank `rank`'s
    /// share of its rows (of `size` ranks, [`mlg_runtime::collective::share`]):
    /// what a data-parallel fit reads in a job whose ranks hold every row.
    pub fn row_share(&self, size: usize, rank: usize) -> Workflow {
        let frames = self
            .frames
            .iter()
            .map(|(name, frame)| {
                let rows: Vec<usize> = mlg_runtime::collective::share(frame.n_rows, size, rank).collect();
                (name.clone(), Arc::new(frame.take(&rows)))
            })
            .collect();
        Workflow {
            file: self.file.clone(),
            source: self.source.clone(),
            program: self.program.clone(),
            checked: self.checked.clone(),
            base_dir: self.base_dir.clone(),
            frames,
            mode: self.mode.clone(),
            kept: Keep::default(),
            warnings: self.warnings.clone(),
        }
    }

    /// Where the run keeps the fits that `compress` variants share with their
    /// base models, when the workflow compresses some model; `None`
    /// otherwise, so that no fit is held longer than its use.
    pub fn shared_fits(&self) -> Option<&Keep> {
        let graph = &self.checked.graph;
        let compresses = graph
            .order()
            .iter()
            .any(|&id| matches!(&graph.stage(id).kind, StageKind::Model(m) if !m.is_plain()));
        compresses.then_some(&self.kept)
    }
}

/// Reads the `.mlg` file at `path`. A file that is not UTF-8 is a
/// diagnostic (`mlg::encoding`) at the first bad byte, with its offset.
pub fn read_mlg(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[at];
        // The lossy text keeps every byte before `at`, so spans up to it hold.
        let source_text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let end = source_text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        let diagnostic = Diagnostic::new(
            "mlg::encoding",
            format!("the file is not UTF-8: byte 0x{byte:02X} at byte offset {at}"),
            Span::new(at, end),
            "not UTF-8",
        )
        .with_help("save the file as UTF-8");
        Error::Diagnostics {
            file: path.display().to_string(),
            source_text,
            diagnostics: vec![diagnostic],
        }
    })
}

impl Workflow {
    /// Reads, parses and checks the file at `path`; relative paths inside it are
    /// resolved against its folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Workflow> {
        Workflow::from_file_with(path, workflow::Limits::default())
    }

    /// [`Workflow::from_file`] checked against explicit size `limits`.
    pub fn from_file_with(path: impl AsRef<Path>, limits: workflow::Limits) -> Result<Workflow> {
        let path = path.as_ref();
        let source = read_mlg(path)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Workflow::from_source_with(&path.display().to_string(), &source, &base, limits)
    }

    /// Parses and checks `source` (named `file` in messages), resolving relative
    /// paths against `base_dir`.
    pub fn from_source(file: &str, source: &str, base_dir: &Path) -> Result<Workflow> {
        Workflow::from_source_with(file, source, base_dir, workflow::Limits::default())
    }

    /// [`Workflow::from_source`] checked against explicit size `limits`.
    pub fn from_source_with(
        file: &str,
        source: &str,
        base_dir: &Path,
        limits: workflow::Limits,
    ) -> Result<Workflow> {
        let fail = |diagnostics| Error::Diagnostics {
            file: file.to_string(),
            source_text: source.to_string(),
            diagnostics,
        };
        let program = mlg_dsl::parse(source).map_err(|d| fail(vec![d]))?;
        let mode = crate::mode::Mode::of(&program, base_dir);
        let cache = FrameCache {
            shard: !mode.whole_data,
            ..FrameCache::default()
        };
        let checked = workflow::check_with(&program, &StdCatalog, &cache, base_dir, limits).map_err(fail)?;
        let frames = data_frames(&checked, &cache.frames.into_inner())?;
        let rejected = mlg_stdlib::checks::class_count_errors(&checked, &frames);
        if !rejected.is_empty() {
            return Err(fail(rejected));
        }
        let warnings = mlg_stdlib::checks::column_warnings(&checked, &frames);
        Ok(Workflow {
            warnings,
            file: file.to_string(),
            source: source.to_string(),
            program,
            checked,
            base_dir: base_dir.to_path_buf(),
            frames,
            mode,
            kept: Keep::default(),
        })
    }

    /// Parses `source` only (for `mlg explain --stage ast`).
    pub fn parse_only(file: &str, source: &str) -> Result<Program> {
        mlg_dsl::parse(source).map_err(|d| Error::Diagnostics {
            file: file.to_string(),
            source_text: source.to_string(),
            diagnostics: vec![d],
        })
    }

    /// The stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.checked
            .graph
            .find(name)
            .map(|id| self.checked.graph.stage(id))
    }

    /// All stages in dependency order.
    pub fn stages(&self) -> impl Iterator<Item = &Stage> {
        self.checked
            .graph
            .order()
            .iter()
            .map(|&id| self.checked.graph.stage(id))
    }

    /// Names of the model and ensemble stages in dependency order.
    pub fn models(&self) -> Vec<String> {
        self.stages()
            .filter(|s| matches!(s.kind, StageKind::Model(_) | StageKind::Ensemble(_)))
            .map(|s| s.name.clone())
            .collect()
    }

    /// The frame of the data stage named `name`.
    pub fn data_frame(&self, name: &str) -> Option<Arc<Frame>> {
        self.frames.get(name).cloned()
    }
}
