//! The bearer token that guards `POST /reload`: read once at startup from
//! `--admin-token-file`, checked on every reload request in constant time.

use crate::ServeError;
use axum::http::HeaderValue;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The largest token file read (bytes); a longer file is refused.
const MAX_FILE_BYTES: u64 = 4096;
/// The shortest token accepted, in characters.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The admin token. Its `Debug` form never shows it.
pub struct AdminToken(Box<[u8]>);

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

impl AdminToken {
    /// Reads the token from `path`: the file's contents with surrounding
    /// whitespace trimmed. Refused: a file that cannot be read, is larger than
    /// 4 KiB, is readable or writable by every user (Unix), or whose token is
    /// shorter than [`MIN_TOKEN_CHARS`] or holds anything but visible ASCII.
    pub fn read(path: &Path) -> Result<AdminToken, ServeError> {
        let refuse = |problem: String| ServeError::AdminToken {
            path: path.to_path_buf(),
            problem,
        };
        let file = std::fs::File::open(path).map_err(|e| refuse(format!("cannot open it: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| refuse(format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(refuse("it is not a regular file".into()));
        }
        check_mode(&meta).map_err(refuse)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| refuse(format!("cannot read it: {e}")))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(refuse(format!(
                "it is larger than {MAX_FILE_BYTES} bytes; it must hold only the token"
            )));
        }
        let token = bytes.trim_ascii();
        if token.is_empty() {
            return Err(refuse(
                "it is empty; put a token in it (e.g. `openssl rand -hex 32`)".into(),
            ));
        }
        if !token.iter().all(|b| b.is_ascii_graphic()) {
            return Err(refuse(
                "the token must be one word of visible ASCII characters (no spaces or control characters)"
                    .into(),
            ));
        }
        if token.len() < MIN_TOKEN_CHARS {
            return Err(refuse(format!(
                "the token has {} characters; use at least {MIN_TOKEN_CHARS} (e.g. `openssl rand -hex 32`)",
                token.len()
            )));
        }
        Ok(AdminToken(token.into()))
    }

    /// Whether an `Authorization` header value is `Bearer <this token>` (the
    /// scheme in any case). The token is compared in constant time.
    pub fn authorizes(&self, header: Option<&HeaderValue>) -> bool {
        let Some(value) = header.map(HeaderValue::as_bytes) else {
            return false;
        };
        let Some((scheme, given)) = value.split_at_checked(7) else {
            return false;
        };
        scheme.eq_ignore_ascii_case(b"bearer ") && constant_time_eq(given.trim_ascii(), &self.0)
    }
}

/// Refuses a file every user may read or write.
#[cfg(unix)]
fn check_mode(meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o006 != 0 {
        return Err(format!(
            "every user may read or write it (mode {mode:03o}); restrict it, e.g. `chmod 600` \
             (in Kubernetes, give the secret volume `defaultMode: 0400`)"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// `a == b`, taking the same time for every `a` of a given length whatever
/// the contents (the length of `b` is not secret-dependent work).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, &x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(!x);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_file(name: &str, contents: &str, mode: u32) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("mlg-admin-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        path
    }

    fn problem(name: &str, contents: &str, mode: u32) -> String {
        match AdminToken::read(&token_file(name, contents, mode)) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_token_is_the_trimmed_file() {
        let token = AdminToken::read(&token_file("good", "  0123456789abcdef\n", 0o600)).unwrap();
        let header = |v: &str| HeaderValue::from_str(v).unwrap();
        assert!(token.authorizes(Some(&header("Bearer 0123456789abcdef"))));
        assert!(token.authorizes(Some(&header("bearer 0123456789abcdef"))));
        assert!(!token.authorizes(Some(&header("Bearer 0123456789abcdeF"))));
        assert!(!token.authorizes(Some(&header("Bearer 0123456789abcde"))));
        assert!(!token.authorizes(Some(&header("Bearer 0123456789abcdef0"))));
        assert!(!token.authorizes(Some(&header("Basic 0123456789abcdef"))));
        assert!(!token.authorizes(Some(&header("Bearer"))));
        assert!(!token.authorizes(None));
        assert_eq!(format!("{token:?}"), "AdminToken(..)");
    }

    #[test]
    fn bad_token_files_are_refused() {
        assert!(problem("empty", " \n", 0o600).contains("it is empty"));
        assert!(problem("short", "abc", 0o600).contains("at least 16"));
        assert!(problem("spaces", "0123456789 abcdef", 0o600).contains("one word"));
        assert!(problem("big", &"a".repeat(5000), 0o600).contains("larger than 4096"));
        #[cfg(unix)]
        assert!(problem("open", "0123456789abcdef", 0o644).contains("mode 644"));
        let missing = std::env::temp_dir().join("mlg-admin-no-such-file");
        let e = AdminToken::read(&missing).unwrap_err().to_string();
        assert!(e.contains("cannot open it"), "{e}");
        assert!(e.contains("mlg-admin-no-such-file"), "{e}");
    }

    #[test]
    fn equality_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
