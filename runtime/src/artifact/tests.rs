//! Tests of the artifact container: round trips and every refusal.

use super::*;
use crate::frame::{Column, ColumnData};
use mlg_compiler::ir::{GraphBuilder, Op};

/// A regressor on numeric `x` and categorical `c`: prediction = 2x + 1.
fn regressor() -> Artifact {
    let inputs = vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical {
                levels: vec!["a".into(), "b".into()],
            },
        },
    ];
    let mut b = GraphBuilder::new("reg", inputs);
    let x = b.input(0).unwrap();
    let y = b
        .push(Op::Affine {
            x,
            weights: vec![2.0],
            bias: vec![1.0],
            missing: vec![0.0],
        })
        .unwrap();
    b.output("prediction", y);
    let graph = b.finish().unwrap();
    let frame = Frame::new(
        vec![
            Column::numeric("x", (0..50).map(f64::from).collect()),
            Column::categorical(
                "c",
                [0, 1].repeat(25),
                vec!["a".into(), "b".into()],
                vec![false; 50],
            ),
        ],
        50,
    );
    Artifact {
        name: "reg".into(),
        workflow: "toy.mlg".into(),
        task: "regression".into(),
        target: "y".into(),
        classes: Vec::new(),
        profile: DataProfile::of(&frame, &graph.inputs),
        graph,
        metrics: BTreeMap::new(),
        mlg_version: "0.1.0".into(),
        lineage: Lineage {
            source_hash: Lineage::hash_text("model m = ..."),
            data_hash: Lineage::hash_frame(&frame),
            seed: Some(7),
            mlg_version: "0.1.0".into(),
            created_unix: 1_700_000_000,
        },
        monitor: Some(DriftConfig {
            psi: 0.3,
            ks: 0.2,
            window: 500,
        }),
        quality: Some(QualityConfig {
            window: 200,
            accuracy_drop: 0.1,
            rmse_rise: 0.25,
        }),
    }
}

/// A container of `version` around `payload`, with a correct checksum.
fn framed(version: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// Artifacts hold NaN-free profiles here, but compare encodings anyway.
fn same(a: &Artifact, b: &Artifact) -> bool {
    postcard::to_allocvec(a).unwrap() == postcard::to_allocvec(b).unwrap()
}

#[test]
fn version_2_round_trips_profile_lineage_and_monitor() {
    let artifact = regressor();
    let back = from_bytes(&to_bytes(&artifact).unwrap()).unwrap();
    assert!(same(&back, &artifact));
    assert_eq!(back.schema().len(), 2);
    assert_eq!(back.profile.features[0].count, 50);
    assert_eq!(back.lineage.seed, Some(7));
    assert_eq!(back.drift_config().window, 500);
    assert_eq!(back.quality.as_ref().map(|q| q.accuracy_drop), Some(0.1));
}

#[test]
fn version_1_files_still_load_without_profile() {
    let a = regressor();
    let v1 = ArtifactV1 {
        name: a.name.clone(),
        workflow: a.workflow.clone(),
        task: a.task.clone(),
        target: a.target.clone(),
        classes: a.classes.clone(),
        graph: a.graph.clone(),
        metrics: a.metrics.clone(),
        mlg_version: a.mlg_version.clone(),
    };
    let bytes = framed(1, &postcard::to_allocvec(&v1).unwrap());
    let loaded = from_bytes(&bytes).unwrap();
    assert_eq!(loaded.graph, a.graph);
    assert!(loaded.profile.is_empty());
    assert_eq!(loaded.lineage, Lineage::default());
    assert_eq!(loaded.monitor, None);
    assert_eq!(loaded.drift_config(), DriftConfig::default());
    // A version 2 payload under a version 1 header does not decode as version 1.
    let v2_payload = postcard::to_allocvec(&a).unwrap();
    assert!(from_bytes(&framed(1, &v2_payload)).is_err());
    // Versions 3 and 4 only added ops and 5 the last field, `quality`: version
    // 2 to 4 files (their payload ends before it) decode as they did.
    let before_quality = Artifact {
        quality: None,
        ..a.clone()
    };
    let v4_payload = postcard::to_allocvec(&before_quality).unwrap();
    let v4_payload = &v4_payload[..v4_payload.len() - 1];
    for version in 2..=4 {
        assert_eq!(from_bytes(&framed(version, v4_payload)).unwrap(), before_quality);
    }
    assert!(from_bytes(&framed(5, v4_payload)).is_err());
}

#[test]
fn newer_older_truncated_corrupt_and_undecodable_files_are_refused() {
    let payload = postcard::to_allocvec(&regressor()).unwrap();
    let err = from_bytes(&framed(6, &payload)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "written by a newer mlg: format version 6, this build reads up to 5"
    );
    let err = from_bytes(&framed(0, &payload)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "artifact format version 0 is not supported (this build reads versions 1 to 5)"
    );
    let bytes = framed(5, &payload);
    let err = from_bytes(&bytes[..bytes.len() - 10]).unwrap_err();
    assert!(matches!(err, ArtifactError::Truncated { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
    let mut corrupt = bytes.clone();
    corrupt[HEADER_LEN + 3] ^= 0x01;
    let err = from_bytes(&corrupt).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
    let err = from_bytes(&framed(2, &[0xff; 40])).unwrap_err();
    assert!(matches!(err, ArtifactError::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("cannot be decoded"), "{err}");
}

#[test]
fn errors_from_files_name_the_file() {
    let dir = std::env::temp_dir().join(format!("mlg-artifact-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("future.mlgc");
    std::fs::write(&path, framed(9, b"whatever")).unwrap();
    let err = read(&path).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("future.mlgc") && text.contains("newer mlg"),
        "{text}"
    );
    assert!(matches!(err.root(), ArtifactError::NewerVersion { found: 9, .. }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_profile_that_disagrees_with_the_schema_is_refused() {
    let mut renamed = regressor();
    renamed.profile.features[0].name = "z".into();
    let err = to_bytes(&renamed).unwrap_err();
    assert!(err.to_string().contains("profile feature `z`"), "{err}");
    let mut short = regressor();
    short.profile.features.pop();
    assert!(matches!(to_bytes(&short), Err(ArtifactError::Inconsistent(_))));
    let mut bins = regressor();
    if let FeatureStats::Numeric(n) = &mut bins.profile.features[0].stats {
        n.counts.push(1);
    }
    assert!(matches!(to_bytes(&bins), Err(ArtifactError::Inconsistent(_))));
    let mut monitor = regressor();
    monitor.monitor = Some(DriftConfig {
        psi: 0.2,
        ks: 1.5,
        window: 100,
    });
    assert!(to_bytes(&monitor)
        .unwrap_err()
        .to_string()
        .contains("ks threshold"));
}

#[test]
fn hashes_are_stable_and_independent_of_dictionary_order() {
    assert_eq!(Lineage::hash_text(""), "cbf29ce484222325");
    assert_eq!(Lineage::hash_text("a"), "af63dc4c8601ec8c");
    let one = Frame::new(
        vec![Column::categorical(
            "c",
            vec![0, 1],
            vec!["a".into(), "b".into()],
            vec![false; 2],
        )],
        2,
    );
    let other = Frame::new(
        vec![Column::categorical(
            "c",
            vec![1, 0],
            vec!["b".into(), "a".into()],
            vec![false; 2],
        )],
        2,
    );
    assert_eq!(Lineage::hash_frame(&one), Lineage::hash_frame(&other));
    let changed = Frame::new(
        vec![Column::categorical(
            "c",
            vec![0, 0],
            vec!["a".into(), "b".into()],
            vec![false; 2],
        )],
        2,
    );
    assert_ne!(Lineage::hash_frame(&one), Lineage::hash_frame(&changed));
}

#[test]
fn the_frame_hash_folds_negative_zero_and_tells_values_missing_and_order_apart() {
    let numeric = |name: &str, values: Vec<f64>, missing: Vec<bool>| Column {
        name: name.into(),
        data: ColumnData::Numeric(values),
        missing,
    };
    let frame = |columns: Vec<Column>| Frame::new(columns, 2);
    let base = frame(vec![
        numeric("a", vec![0.0, 1.5], vec![false; 2]),
        numeric("b", vec![2.0, 3.0], vec![false; 2]),
    ]);
    let hash = Lineage::hash_frame(&base);
    assert_eq!(hash.len(), 16);
    let negative_zero = frame(vec![
        numeric("a", vec![-0.0, 1.5], vec![false; 2]),
        numeric("b", vec![2.0, 3.0], vec![false; 2]),
    ]);
    assert_eq!(Lineage::hash_frame(&negative_zero), hash);
    let others = [
        frame(vec![
            numeric("a", vec![0.0, 1.5000001], vec![false; 2]),
            numeric("b", vec![2.0, 3.0], vec![false; 2]),
        ]),
        frame(vec![
            numeric("a", vec![0.0, f64::NAN], vec![false, true]),
            numeric("b", vec![2.0, 3.0], vec![false; 2]),
        ]),
        frame(vec![
            numeric("b", vec![2.0, 3.0], vec![false; 2]),
            numeric("a", vec![0.0, 1.5], vec![false; 2]),
        ]),
        frame(vec![
            numeric("a", vec![0.0, 1.5], vec![false; 2]),
            numeric("c", vec![2.0, 3.0], vec![false; 2]),
        ]),
    ];
    for other in others {
        assert_ne!(Lineage::hash_frame(&other), hash);
    }
}
