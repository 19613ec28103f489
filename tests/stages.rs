//! Snapshots of every compiler stage's text form for the shipped examples:
//! AST, workflow graph, lowered IR, optimized IR, the pass log, and Cranelift IR.

use mlg::explain::{explain, StageName};
use mlg::Workflow;

fn stage(example: &str, stage: StageName, passes: bool) -> String {
    let wf = Workflow::from_file(format!("examples/{example}.mlg")).expect("example checks");
    explain(&wf, stage, None, passes).expect("explain succeeds")
}

/// Snapshot tests of every text stage of `examples/$example.mlg`; with
/// `no_clif`, the Cranelift text is checked for calls and size instead of
/// snapshotted (tree-table examples emit hundreds of kilobytes of CLIF that no
/// reviewer would read).
macro_rules! stages {
    ($example:ident) => {
        stages!($example, {
            #[test]
            fn clif() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Clif, false));
            }
        });
    };
    ($example:ident, no_clif) => {
        stages!($example, {
            #[test]
            fn clif_has_no_calls() {
                let clif = stage(stringify!($example), StageName::Clif, false);
                assert!(!clif.contains(" call "), "the row function must not call out");
                assert!(clif.contains("function"), "{}", &clif[..clif.len().min(400)]);
            }
        });
    };
    ($example:ident, { $($clif:tt)* }) => {
        mod $example {
            use super::*;
            #[test]
            fn ast() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Ast, false));
            }
            #[test]
            fn graph() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Graph, false));
            }
            #[test]
            fn ir() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Ir, false));
            }
            #[test]
            fn optimized() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Optimized, false));
            }
            #[test]
            fn passes() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Optimized, true));
            }
            $($clif)*
        }
    };
}

stages!(iris);
stages!(diabetes);
stages!(penguins_forest, no_clif);
stages!(penguins_ensemble, no_clif);

#[test]
fn affine_fusion_collapses_standardize_into_the_model() {
    let optimized = stage("iris", StageName::Optimized, false);
    assert!(
        !optimized.contains("scale"),
        "standardize should be folded into the affine map:\n{optimized}"
    );
    assert_eq!(optimized.matches("affine").count(), 1, "{optimized}");
    let passes = stage("iris", StageName::Optimized, true);
    assert!(passes.contains("## after affine-fusion"), "{passes}");
}

#[test]
fn ensembles_share_preprocessing_and_lower_into_one_graph() {
    let passes = stage("penguins_ensemble", StageName::Optimized, true);
    let stack = passes
        .split("# model stack")
        .nth(1)
        .expect("the stacking ensemble is explained");
    assert!(stack.contains("## after common-subexpressions"), "{stack}");
    assert!(
        stack.contains("trees"),
        "the forest member is in the graph:\n{stack}"
    );
    assert!(
        stack.contains("softmax"),
        "the meta-model is in the graph:\n{stack}"
    );
}

/// Every shipped workflow passes the checker (so examples never rot).
#[test]
fn every_example_checks() {
    let mut checked = 0;
    for dir in ["examples", "examples/compare"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "mlg") {
                if let Err(e) = Workflow::from_file(&path) {
                    panic!("{} does not check:\n{e}", path.display());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 14, "{checked} examples");
}
