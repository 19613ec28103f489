//! Test support for `tests/serve.rs`: artifacts trained once per test run, a
//! running `mlg serve` process, and a blocking HTTP client.

use mlg_runtime::{ColumnData, Frame, Model};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The artifacts the tests serve, written once into a folder of this test run.
pub struct Fixture {
    /// Folder for the artifacts and the tests' own files.
    pub dir: PathBuf,
    /// Iris, logistic regression.
    pub iris_lr: PathBuf,
    /// Iris, logistic regression with a much stronger penalty: the same input
    /// columns, other probabilities.
    pub iris_weak: PathBuf,
    /// Penguins (numeric and categorical columns, missing values), logistic regression.
    pub penguins: PathBuf,
    /// Diabetes, ridge regression.
    pub diabetes: PathBuf,
}

const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
                    features prep = iris -> standardize(numeric)\n\
                    model lr = logistic_regression(prep, c = 1.0)\n\
                    model weak = logistic_regression(prep, c = 0.01)\n";
const PENGUINS: &str = "data penguins = csv(\"data/penguins.csv\", target = \"species\")\n\
                        features prep = penguins\n  \
                          -> impute(numeric, strategy = \"median\")\n  \
                          -> impute(categorical, strategy = \"most_frequent\")\n  \
                          -> standardize(numeric)\n  \
                          -> one_hot(categorical)\n\
                        model lr = logistic_regression(prep, c = 1.0)\n";
const DIABETES: &str = "data diabetes = csv(\"data/diabetes.csv\", target = \"target\")\n\
                        features prep = diabetes -> standardize(numeric)\n\
                        model ridge = ridge(prep, alpha = 1.0)\n";

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The shared artifacts (trained on first use).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("test folder");
        let build = |source: &str, model: &str, file: &str| {
            let wf = mlg::Workflow::from_source(file, source, &examples()).expect("the workflow checks");
            let compiled = wf.compile(model).expect("the model trains and compiles");
            let path = dir.join(file);
            mlg_runtime::artifact::write(&path, compiled.artifact()).expect("the artifact is written");
            path
        };
        Fixture {
            iris_lr: build(IRIS, "lr", "iris_lr.mlgc"),
            iris_weak: build(IRIS, "weak", "iris_weak.mlgc"),
            penguins: build(PENGUINS, "lr", "penguins.mlgc"),
            diabetes: build(DIABETES, "ridge", "diabetes.mlgc"),
            dir,
        }
    })
}

/// The admin token of [`token_file`].
pub const TOKEN: &str = "s3cret-token-0123456789abcdef";

/// A file holding [`TOKEN`] (mode 600), for `--admin-token-file`.
pub fn token_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = fixture().dir.join("admin.token");
        std::fs::write(&path, format!("{TOKEN}\n")).expect("the token file is written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
        }
        path
    })
}

/// The rows of `examples/data/FILE` typed as `model`'s inputs.
pub fn data_frame(model: &Model, file: &str) -> Frame {
    mlg_runtime::csv::read_csv_typed(&examples().join("data").join(file), &model.input_kinds())
        .expect("the example data reads")
}

/// Row `row` of `frame`'s columns `names` as a JSON object (null when missing).
pub fn json_row(frame: &Frame, names: &[String], row: usize) -> Value {
    let mut object = Map::new();
    for name in names {
        let column = frame.column(name).expect("the frame has every input column");
        let value = if column.missing[row] {
            Value::Null
        } else {
            match &column.data {
                ColumnData::Numeric(values) => json!(values[row]),
                ColumnData::Categorical { codes, levels } => json!(levels[codes[row] as usize]),
            }
        };
        object.insert(name.clone(), value);
    }
    Value::Object(object)
}

/// The input column names of `model`.
pub fn input_names(model: &Model) -> Vec<String> {
    model.inputs().iter().map(|s| s.name.clone()).collect()
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A blocking client that returns 4xx and 5xx answers instead of failing.
pub fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into()
    })
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, ureq::Error> {
    let response = result?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.into_body().read_to_string()?;
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

/// A running `mlg serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `mlg serve ARTIFACT --addr 127.0.0.1:0 ARGS...` and reads its
    /// address line.
    pub fn start(artifact: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mlg"));
        command
            .arg("serve")
            .arg(artifact)
            .args(["--addr", "127.0.0.1:0"])
            .args(args);
        Server::spawn(command)
    }

    /// [`Server::start`] with the open-file limit (soft and hard) set to
    /// `open_files` first (`ulimit -n`).
    pub fn start_with_open_files(artifact: &Path, args: &[&str], open_files: u64) -> Server {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {open_files} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_mlg"))
            .arg("serve")
            .arg(artifact)
            .args(["--addr", "127.0.0.1:0"])
            .args(args);
        Server::spawn(command)
    }

    /// Runs `command` (an `mlg serve`) and reads its address line.
    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mlg serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (first, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = first.send(line);
            }
            for _ in lines {}
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let err = child.stderr.take().expect("stderr is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            stderr,
        };
        let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) else {
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "mlg serve printed no address; stderr: {:?}",
                server.stderr_lines()
            );
        };
        let base = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the first line is `listening on http://ADDR`, got {line:?}"));
        assert!(base.starts_with("http://127.0.0.1:"), "{line}");
        assert_ne!(base, "http://127.0.0.1:0", "the real port is printed");
        server.base = base.to_string();
        server
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.try_get(path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `GET path`, transport errors returned.
    pub fn try_get(&self, path: &str) -> Result<Reply, ureq::Error> {
        reply(agent().get(&format!("{}{path}", self.base)).call())
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &str) -> Reply {
        self.try_post(path, body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// `POST path`, transport errors returned.
    pub fn try_post(&self, path: &str, body: &str) -> Result<Reply, ureq::Error> {
        reply(
            agent()
                .post(&format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .send(body.as_bytes()),
        )
    }

    /// `POST /reload` with an empty body and, when given, `Authorization:
    /// Bearer TOKEN`.
    pub fn reload(&self, token: Option<&str>, body: &str) -> Reply {
        let mut request = agent()
            .post(&format!("{}/reload", self.base))
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        reply(request.send(body.as_bytes())).unwrap_or_else(|e| panic!("POST /reload: {e}"))
    }

    /// `host:port`.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Sends `signal` (e.g. `TERM`, `HUP`) to the server process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The stderr lines so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// The structured stderr lines (JSON objects) with `"event": event`.
    pub fn events(&self, event: &str) -> Vec<Value> {
        self.stderr_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["event"] == event)
            .collect()
    }

    /// Polls until `done` holds (up to ten seconds); false if it never did.
    pub fn eventually(&self, mut done: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
