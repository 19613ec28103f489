//! Passes report their own changes ([`Transformed`]): `changed` is false
//! exactly when the graph comes back as it went in, on random graphs and on
//! graphs a pass has nothing left to do on; the untraced pipeline gives the
//! traced one's graph; a pass that misreports is caught in debug builds.

mod common;

use common::{impute_scale_linear, logistic_graph, random_forest, random_graph, trees_graph, Rng};
use mlg_compiler::ir::{Graph, GraphBuilder, Op, TreeWalk};
use mlg_compiler::passes::{
    AffineFusion, ColumnPruning, CommonSubexpressions, ConstantFolding, DeadNodes, Pass, Pipeline,
    PruneMagnitude, PruneNeurons, QuantizeInt8, Transformed, TreeInputs, TreeLayout,
};
#[cfg(feature = "low-rank")]
use mlg_compiler::passes::{LowRank, Rank};
use proptest::prelude::*;

/// Every pass: the default pipeline's and the transforms.
fn every_pass() -> Vec<Box<dyn Pass>> {
    #[allow(unused_mut)]
    let mut passes: Vec<Box<dyn Pass>> = vec![
        Box::new(ConstantFolding),
        Box::new(CommonSubexpressions),
        Box::new(AffineFusion),
        Box::new(TreeInputs),
        Box::new(DeadNodes),
        Box::new(ColumnPruning),
        Box::new(TreeLayout),
        Box::new(QuantizeInt8),
        Box::new(PruneMagnitude { fraction: 0.5 }),
        Box::new(PruneNeurons { fraction: 0.5 }),
    ];
    #[cfg(feature = "low-rank")]
    passes.extend([
        Box::new(LowRank { rank: Rank::Fixed(1) }) as Box<dyn Pass>,
        Box::new(LowRank {
            rank: Rank::Energy(0.9),
        }),
    ]);
    passes
}

/// The same graph down to every constant's bits (NaN payloads aside).
fn same_bits(a: &Graph, b: &Graph) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Applies `pass` to `graph` until it reports no change (at most 8 times),
/// checking every report against the graphs; returns how many changed.
fn check_until_fixed(pass: &dyn Pass, graph: &Graph) -> Result<usize, String> {
    let mut current = graph.clone();
    for round in 0..8 {
        let Transformed { data, changed } = pass.rewrite(current.clone());
        let differs = !same_bits(&current, &data);
        if changed != differs {
            return Err(format!(
                "pass `{}` reported changed = {changed} but the graph {} (round {round})\nbefore:\n{current}\nafter:\n{data}",
                pass.name(),
                if differs { "differs" } else { "is identical" },
            ));
        }
        if !changed {
            return Ok(round);
        }
        current = data;
    }
    Ok(8)
}

/// Graphs every pass has something to do on, or nothing.
fn fixtures() -> Vec<Graph> {
    let mut rng = Rng::new(7);
    vec![
        impute_scale_linear(),
        logistic_graph(6, 3),
        trees_graph("small", 3, common::tiny_forest(), TreeWalk::Table),
        trees_graph("settled", 3, common::tiny_forest(), TreeWalk::Branches),
        trees_graph(
            "large",
            4,
            random_forest(&mut rng, 4, 1, 12, 6),
            TreeWalk::Branches,
        ),
    ]
}

#[test]
fn every_pass_reports_exactly_when_it_changes_a_fixture() {
    for graph in fixtures() {
        for pass in every_pass() {
            if let Err(message) = check_until_fixed(pass.as_ref(), &graph) {
                panic!("{message}");
            }
        }
        let optimized = Pipeline::default().run(&graph).expect("valid fixture").graph;
        for pass in every_pass() {
            if let Err(message) = check_until_fixed(pass.as_ref(), &optimized) {
                panic!("{message}");
            }
        }
    }
}

#[test]
fn an_unchanged_graph_is_handed_back_as_it_was() {
    let optimized = Pipeline::default()
        .optimize(impute_scale_linear())
        .expect("valid graph");
    for pass in [
        Box::new(ConstantFolding) as Box<dyn Pass>,
        Box::new(DeadNodes),
        Box::new(ColumnPruning),
        Box::new(TreeLayout),
    ] {
        let result = pass.rewrite(optimized.clone());
        assert!(!result.changed, "{}", pass.name());
        assert!(same_bits(&result.data, &optimized), "{}", pass.name());
    }
}

#[test]
fn untraced_and_traced_runs_agree_and_unchanged_steps_repeat_the_graph() {
    let transforms =
        || -> Vec<Box<dyn Pass>> { vec![Box::new(PruneMagnitude { fraction: 0.3 }), Box::new(QuantizeInt8)] };
    for graph in fixtures() {
        for pipeline in [Pipeline::default(), Pipeline::with_transforms(transforms())] {
            let traced = pipeline.run(&graph).expect("valid fixture");
            let plain = pipeline.optimize(graph.clone()).expect("valid fixture");
            assert!(same_bits(&traced.graph, &plain));
            assert_eq!(traced.steps.len(), pipeline.names().len());
            let mut previous = &graph;
            for step in &traced.steps {
                assert_eq!(step.changed, !same_bits(previous, &step.after), "{}", step.pass);
                previous = &step.after;
            }
            assert!(same_bits(previous, &traced.graph));
        }
    }
}

/// A one-affine graph whose weights are `weights` (one output row).
fn one_affine(weights: Vec<f32>) -> Graph {
    let n = weights.len();
    let mut b = GraphBuilder::new("affine", common::numeric_inputs(n));
    let parts = (0..n as u32).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let y = b
        .push(Op::Affine {
            x,
            weights,
            bias: vec![0.5],
            missing: vec![],
        })
        .expect("affine");
    b.output("y", y);
    b.finish().expect("valid")
}

#[test]
fn pruning_an_already_zero_weight_is_no_change_but_minus_zero_is() {
    let prune = PruneMagnitude { fraction: 0.25 };
    let zero = one_affine(vec![0.0, 1.0, 2.0, 3.0]);
    let result = prune.rewrite(zero.clone());
    assert!(!result.changed);
    assert_eq!(result.data, zero);
    // -0.0 is written as 0.0: the bits (and the graph's text) change.
    let minus = one_affine(vec![-0.0, 1.0, 2.0, 3.0]);
    let result = prune.rewrite(minus.clone());
    assert!(result.changed);
    assert!(!same_bits(&result.data, &minus));
    let Op::Affine { weights, .. } = &result.data.nodes[5].op else {
        panic!("node 5 is the affine");
    };
    assert_eq!(weights[0].to_bits(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_pass_reports_exactly_when_it_changes_a_random_graph(seed in any::<u64>()) {
        let graph = random_graph(seed);
        for pass in every_pass() {
            check_until_fixed(pass.as_ref(), &graph).map_err(TestCaseError::fail)?;
        }
        let traced = Pipeline::default().run(&graph).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let plain = Pipeline::default().optimize(graph).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same_bits(&traced.graph, &plain));
    }
}

/// Reports a change it did not make.
#[cfg(debug_assertions)]
struct ClaimsChange;

#[cfg(debug_assertions)]
impl Pass for ClaimsChange {
    fn name(&self) -> &'static str {
        "claims-change"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        Transformed::yes(graph)
    }
}

/// Changes the graph (its name) but reports none.
#[cfg(debug_assertions)]
struct HidesChange;

#[cfg(debug_assertions)]
impl Pass for HidesChange {
    fn name(&self) -> &'static str {
        "hides-change"
    }

    fn rewrite(&self, mut graph: Graph) -> Transformed<Graph> {
        graph.name.push('!');
        Transformed::no(graph)
    }
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "pass `claims-change` reported a change but returned an identical graph")]
fn debug_builds_catch_a_claimed_change() {
    let _ = Pipeline::new(vec![Box::new(ClaimsChange)]).optimize(impute_scale_linear());
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "pass `hides-change` reported no change but returned a different graph")]
fn debug_builds_catch_a_hidden_change() {
    let _ = Pipeline::new(vec![Box::new(HidesChange)]).optimize(impute_scale_linear());
}
