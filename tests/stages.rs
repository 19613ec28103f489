//! Snapshots of every compiler stage's text form for the shipped examples:
//! AST, workflow graph, lowered IR, optimized IR, the pass log, and Cranelift IR.

use mlg::explain::{explain, StageName};
use mlg::Workflow;

fn stage(example: &str, stage: StageName, passes: bool) -> String {
    let wf = Workflow::from_file(format!("examples/{example}.mlg")).expect("example checks");
    explain(&wf, stage, None, passes).expect("explain succeeds")
}

macro_rules! stages {
    ($example:ident) => {
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
            #[test]
            fn clif() {
                insta::assert_snapshot!(stage(stringify!($example), StageName::Clif, false));
            }
        }
    };
}

stages!(iris);
stages!(diabetes);
stages!(penguins_forest);

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
