//! The artifact container: round trips, and refusal of corrupt or foreign bytes.

mod common;

use mlg_compiler::ir::{Node, NodeId, Op, Output};
use mlg_runtime::artifact::{
    from_bytes, read, to_bytes, write, ArtifactError, FORMAT_VERSION, HEADER_LEN, MAGIC,
};
use mlg_runtime::Artifact;
use proptest::prelude::*;

/// Artifacts hold NaN constants (`NaN != NaN`), so equality compares encodings.
fn assert_same(a: &Artifact, b: &Artifact) {
    assert_eq!(
        postcard::to_allocvec(a).unwrap(),
        postcard::to_allocvec(b).unwrap(),
        "{a:?} vs {b:?}"
    );
}

#[test]
fn round_trips_through_bytes_and_files() {
    for artifact in [common::classifier(), common::regressor()] {
        let bytes = to_bytes(&artifact).unwrap();
        assert_eq!(&bytes[..8], &MAGIC);
        assert_same(&from_bytes(&bytes).unwrap(), &artifact);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/deeper/model.mlgc");
        write(&path, &artifact).unwrap();
        assert_same(&read(&path).unwrap(), &artifact);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files remain");
    }
}

#[test]
fn overwriting_replaces_the_previous_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mlgc");
    write(&path, &common::classifier()).unwrap();
    write(&path, &common::regressor()).unwrap();
    assert_same(&read(&path).unwrap(), &common::regressor());
}

#[test]
fn failed_write_keeps_the_previous_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mlgc");
    write(&path, &common::classifier()).unwrap();
    let mut invalid = common::regressor();
    invalid.task = "clustering".into();
    assert!(matches!(
        write(&path, &invalid),
        Err(ArtifactError::Inconsistent(_))
    ));
    assert_same(&read(&path).unwrap(), &common::classifier());
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = to_bytes(&common::classifier()).unwrap();
    for len in 0..bytes.len() {
        let err = from_bytes(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, ArtifactError::Truncated { found, .. } if found == len as u64),
            "{len}: {err:?}"
        );
    }
}

#[test]
fn a_flipped_payload_byte_is_a_checksum_mismatch() {
    let bytes = to_bytes(&common::classifier()).unwrap();
    for at in [HEADER_LEN, HEADER_LEN + 7, bytes.len() - 1] {
        let mut corrupt = bytes.clone();
        corrupt[at] ^= 0x40;
        let err = from_bytes(&corrupt).unwrap_err();
        assert!(
            matches!(err, ArtifactError::ChecksumMismatch { .. }),
            "{at}: {err:?}"
        );
        assert!(err.to_string().contains("checksum"));
    }
}

#[test]
fn foreign_files_are_not_artifacts() {
    let err = from_bytes(b"x,y\n1,2\n").unwrap_err();
    assert!(matches!(err, ArtifactError::NotAnArtifact));
    assert!(err
        .to_string()
        .contains("does not start with the mlg artifact magic"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, "a,b\n").unwrap();
    let err = read(&path).unwrap_err();
    assert!(matches!(err.root(), ArtifactError::NotAnArtifact));
    assert!(err.to_string().contains("data.csv"), "{err}");
    assert!(matches!(
        read(&dir.path().join("absent.mlgc")),
        Err(ArtifactError::Io { .. })
    ));
}

#[test]
fn other_versions_and_trailing_bytes_are_refused() {
    let mut bytes = to_bytes(&common::regressor()).unwrap();
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = from_bytes(&future).unwrap_err();
    assert!(
        matches!(
            err,
            ArtifactError::NewerVersion {
                found: 6,
                supported: 5
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "written by a newer mlg: format version 6, this build reads up to 5"
    );
    bytes.push(0);
    assert!(matches!(
        from_bytes(&bytes),
        Err(ArtifactError::TrailingData { .. })
    ));
}

/// Wraps `payload` in a valid header with a correct checksum.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn checksum_valid_but_invalid_graphs_are_refused() {
    let mut bad_operand = common::regressor();
    bad_operand.graph.nodes.push(Node {
        op: Op::Argmax { x: NodeId(9) },
        width: 1,
    });
    let payload = postcard::to_allocvec(&bad_operand).unwrap();
    assert!(matches!(
        from_bytes(&framed(&payload)),
        Err(ArtifactError::InvalidGraph(_))
    ));

    let mut wrong_outputs = common::classifier();
    wrong_outputs.graph.outputs.push(Output {
        name: "extra".into(),
        node: NodeId(0),
    });
    let payload = postcard::to_allocvec(&wrong_outputs).unwrap();
    assert!(matches!(
        from_bytes(&framed(&payload)),
        Err(ArtifactError::Inconsistent(_))
    ));

    let mut class_mismatch = common::classifier();
    class_mismatch.classes.push("maybe".into());
    assert!(matches!(
        to_bytes(&class_mismatch),
        Err(ArtifactError::Inconsistent(_))
    ));

    let mut regressor_with_classes = common::regressor();
    regressor_with_classes.classes.push("a".into());
    assert!(matches!(
        to_bytes(&regressor_with_classes),
        Err(ArtifactError::Inconsistent(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(from_bytes(&bytes).is_err());
    }

    #[test]
    fn random_payloads_with_valid_headers_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = from_bytes(&framed(&payload));
    }

    #[test]
    fn mutated_real_payloads_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
    ) {
        let mut payload = postcard::to_allocvec(&common::classifier()).unwrap();
        for (at, byte) in edits {
            let i = at.index(payload.len());
            payload[i] = byte;
        }
        let _ = from_bytes(&framed(&payload));
    }
}
