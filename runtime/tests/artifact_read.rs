//! Reading an artifact file checks its header before the rest: a large
//! foreign file, `/dev/zero`, a directory, a length field that disagrees with
//! the file's size or passes the size cap are refused at once, naming the
//! file; writing removes temporary files a killed writer left.

mod common;

use mlg_runtime::artifact::{
    read, read_limited, to_bytes, write, ArtifactError, HEADER_LEN, MAX_ARTIFACT_BYTES,
};
use std::time::{Duration, Instant};

/// Reads that must not touch the payload finish well within this.
const AT_ONCE: Duration = Duration::from_secs(5);

#[test]
fn a_two_gigabyte_file_of_zeros_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zeros.mlgc");
    // Sparse: no disk space is used, but a whole read would take 2 GiB.
    std::fs::File::create(&path).unwrap().set_len(2 << 30).unwrap();
    let started = Instant::now();
    let err = read(&path).unwrap_err();
    assert!(started.elapsed() < AT_ONCE);
    assert!(matches!(err.root(), ArtifactError::NotAnArtifact), "{err:?}");
    assert!(err.to_string().contains("zeros.mlgc"), "{err}");
}

#[cfg(unix)]
#[test]
fn dev_zero_is_not_an_artifact() {
    let started = Instant::now();
    let err = read(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(started.elapsed() < AT_ONCE);
    assert!(matches!(err.root(), ArtifactError::NotAnArtifact), "{err:?}");
    assert!(err.to_string().contains("/dev/zero"), "{err}");
}

#[test]
fn a_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mlgc");
    std::fs::create_dir(&path).unwrap();
    let err = read(&path).unwrap_err();
    assert!(matches!(err, ArtifactError::Io { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("model.mlgc") && text.contains("directory"),
        "{text}"
    );
}

#[test]
fn a_length_field_past_the_file_end_is_truncation_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mlgc");
    let mut bytes = to_bytes(&common::regressor()).unwrap();
    let claimed: u64 = 900 << 20;
    bytes[12..20].copy_from_slice(&claimed.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = read(&path).unwrap_err();
    assert!(
        matches!(err.root(), ArtifactError::Truncated { expected, found }
            if *expected == claimed + HEADER_LEN as u64 && *found == bytes.len() as u64),
        "{err:?}"
    );
    assert!(err.to_string().contains("big.mlgc"), "{err}");
}

#[test]
fn a_payload_over_the_cap_is_refused_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.mlgc");
    let mut bytes = to_bytes(&common::regressor()).unwrap();
    bytes[12..20].copy_from_slice(&(MAX_ARTIFACT_BYTES + 1).to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = read(&path).unwrap_err();
    assert!(matches!(err.root(), ArtifactError::TooLarge { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("huge.mlgc") && text.contains("MLG_MAX_ARTIFACT_BYTES"),
        "{text}"
    );
    // A real artifact over a lowered cap is refused the same way.
    let good = dir.path().join("good.mlgc");
    write(&good, &common::regressor()).unwrap();
    let err = read_limited(&good, 16).unwrap_err();
    assert!(
        matches!(err.root(), ArtifactError::TooLarge { limit: 16, .. }),
        "{err:?}"
    );
    assert!(read_limited(&good, MAX_ARTIFACT_BYTES).is_ok());
}

#[test]
fn bytes_after_the_payload_are_refused_from_the_file_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mlgc");
    let mut bytes = to_bytes(&common::classifier()).unwrap();
    bytes.extend_from_slice(b"tail");
    std::fs::write(&path, &bytes).unwrap();
    let err = read(&path).unwrap_err();
    assert!(
        matches!(err.root(), ArtifactError::TrailingData { found, .. } if *found == bytes.len() as u64),
        "{err:?}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn writing_removes_what_a_killed_writer_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mlgc");
    // Process ids never reach 2^22 + 7 on Linux: that writer is gone.
    let leftovers = [".m.mlgc.mlg-tmp-4194311-0", ".m.mlgc.4194311.0.tmp"];
    for name in leftovers {
        std::fs::write(dir.path().join(name), vec![0u8; 4096]).unwrap();
    }
    write(&path, &common::classifier()).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["m.mlgc"]);
}
