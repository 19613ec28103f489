//! Checkpoints of a forest fit ([`mlg_runtime::checkpoint`]): the trees
//! grown so far, in seed order, each with its in-bag rows when `oob_score`
//! needs them. Tree `t` depends only on the `t`-th seed, so a resumed fit
//! grows trees `done..trees` and ends with the forest of the fit that was
//! not interrupted.

use super::fit::InBag;
use crate::models::tree::{FittedTree, Split, TreeNode};
use crate::op::OpError;
use crate::registry::invalid;
use mlg_runtime::checkpoint::{Slot, WordReader, Words};

/// The trees grown so far, and their bags (empty without `oob_score`).
pub(super) type Grown = Vec<(FittedTree, Option<InBag>)>;

fn put_tree(out: &mut Words, tree: &FittedTree) {
    out.u64(u64::from(tree.classifier))
        .usize(tree.n_features)
        .usize(tree.nodes.len());
    for node in &tree.nodes {
        match &node.split {
            Some(s) => {
                out.u64(1)
                    .usize(s.feature)
                    .f64(s.threshold)
                    .u64(u64::from(s.threshold32.to_bits()))
                    .usize(s.left)
                    .usize(s.right);
            }
            None => {
                out.u64(0);
            }
        }
        out.f64s(&node.value)
            .f64(node.impurity)
            .usize(node.n_samples)
            .f64(node.weight);
    }
    out.f64s(&tree.feature_importances);
}

fn read_tree(r: &mut WordReader<'_>) -> Option<FittedTree> {
    let classifier = match r.u64()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let n_features = r.usize()?;
    let n = r.count()?;
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let split = match r.u64()? {
            0 => None,
            1 => Some(Split {
                feature: r.usize()?,
                threshold: r.f64()?,
                threshold32: f32::from_bits(u32::try_from(r.u64()?).ok()?),
                left: r.usize()?,
                right: r.usize()?,
            }),
            _ => return None,
        };
        nodes.push(TreeNode {
            split,
            value: r.f64s()?,
            impurity: r.f64()?,
            n_samples: r.usize()?,
            weight: r.f64()?,
        });
    }
    // Children are nodes of the tree, features within its width.
    let valid = nodes
        .iter()
        .filter_map(|node| node.split.as_ref())
        .all(|s| s.left < n && s.right < n && s.feature < n_features);
    let feature_importances = r.f64s()?;
    (valid && n > 0).then_some(FittedTree {
        classifier,
        n_features,
        nodes,
        feature_importances,
    })
}

/// The payload ([`Words`]) of `grown`.
pub(super) fn encode(grown: &Grown) -> Vec<u8> {
    let mut out = Words::new();
    out.usize(grown.len());
    for (tree, bag) in grown {
        put_tree(&mut out, tree);
        match bag {
            Some(bag) => {
                out.u64(1).usize(bag.len());
                bag.iter().for_each(|&w| {
                    out.u64(w);
                });
            }
            None => {
                out.u64(0);
            }
        }
    }
    out.into_bytes()
}

/// Reads [`encode`]'s payload; `None` when it does not parse.
pub(super) fn decode(bytes: &[u8]) -> Option<Grown> {
    let mut r = WordReader::new(bytes);
    let n = r.count()?;
    let mut grown = Vec::with_capacity(n);
    for _ in 0..n {
        let tree = read_tree(&mut r)?;
        let bag = match r.u64()? {
            0 => None,
            1 => {
                let words = r.count()?;
                Some((0..words).map(|_| r.u64()).collect::<Option<Vec<_>>>()?)
            }
            _ => return None,
        };
        grown.push((tree, bag));
    }
    r.is_done().then_some(grown)
}

/// The trees to resume from, when the run resumes and the slot holds a
/// checkpoint of the fit `print`; more trees than `trees`, trees of another
/// width than `d`, or bags of another size than `bag_words` words (`None`
/// without `oob_score`) mean a damaged file, an error.
pub(super) fn restore(
    op: &str,
    slot: &Slot,
    print: u64,
    (trees, d, bag_words): (usize, usize, Option<usize>),
    comm: Option<&dyn mlg_runtime::collective::Collective>,
) -> Result<Grown, OpError> {
    let payload = match mlg_runtime::checkpoint::restore(slot, print, comm).map_err(|e| invalid(op, e))? {
        Some(payload) => payload,
        None => return Ok(Vec::new()),
    };
    let fits = |g: &Grown| {
        g.len() <= trees
            && g.iter()
                .all(|(t, bag)| t.n_features == d && bag.as_ref().map(Vec::len) == bag_words)
    };
    match decode(&payload) {
        Some(grown) if fits(&grown) => Ok(grown),
        _ => Err(invalid(
            op,
            format!(
                "checkpoint `{}` does not hold this forest's trees; delete it",
                slot.path.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::forest::RandomForest;
    use crate::op::{Matrix, Target};
    use mlg_compiler::workflow::catalog::{Params, Value};
    use mlg_runtime::checkpoint::with_slot;

    /// A fit resumed from the checkpoint of tree 8 ends with the forest of
    /// the fit that grew its 10 trees uninterrupted, out-of-bag score
    /// included.
    #[test]
    fn a_resumed_fit_equals_the_uninterrupted_one() {
        let (x, y) = crate::testing::two_classes(200);
        let mut params = Params::new();
        params.insert("trees".into(), Value::Int(10));
        params.insert("checkpoint_trees".into(), Value::Int(4));
        params.insert("oob_score".into(), Value::Bool(true));
        params.insert("max_depth".into(), Value::Int(4));
        let forest = RandomForest::classifier(&params).expect("params");
        let plain = forest.fit_forest(&x, &y).expect("fit");
        let dir = std::env::temp_dir().join(format!("mlg-forest-checkpoint-{}", std::process::id()));
        let path = dir.join("rf.ckpt");
        let slot = |resume| Slot {
            path: path.clone(),
            resume,
            writer: true,
        };
        let first = with_slot(slot(false), || forest.fit_forest(&x, &y)).expect("fit");
        assert_eq!(first, plain);
        let (print, payload) = crate::testing::saved_checkpoint(&path);
        let mut grown = decode(&payload).expect("trees");
        assert_eq!(grown.len(), 8);
        let resumed = with_slot(slot(true), || forest.fit_forest(&x, &y)).expect("resumed");
        assert_eq!(resumed, plain);
        // The resumed fit took its trees from the file: a leaf changed there shows.
        let leaf = grown[0]
            .0
            .nodes
            .iter_mut()
            .find(|n| n.split.is_none())
            .expect("a leaf");
        leaf.value[0] += 0.5;
        mlg_runtime::checkpoint::save(&path, print, &encode(&grown)).expect("save");
        let tampered = with_slot(slot(true), || forest.fit_forest(&x, &y)).expect("resumed");
        assert_eq!(tampered.trees[8..], plain.trees[8..]);
        assert_ne!(tampered.trees[0], plain.trees[0]);
        // Trees of another width are refused, naming the file.
        grown[0].0.n_features = 7;
        mlg_runtime::checkpoint::save(&path, print, &encode(&grown)).expect("save");
        let err = with_slot(slot(true), || forest.fit_forest(&x, &y))
            .unwrap_err()
            .to_string();
        assert!(err.contains("rf.ckpt") && err.contains("delete it"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On 2 ranks (threads), a forest resumed from a checkpoint of its first
    /// 2 trees (saved without bags: the ranks hold different rows) ends with
    /// the uninterrupted forest, its out-of-bag score drawn again from the
    /// trees' seeds.
    #[test]
    fn a_resumed_fit_on_ranks_equals_the_uninterrupted_one() {
        use mlg_runtime::collective::{share, Local};
        let n = 300;
        let (x, y) = crate::testing::two_classes(n);
        let mut params = Params::new();
        params.insert("trees".into(), Value::Int(6));
        params.insert("checkpoint_trees".into(), Value::Int(2));
        params.insert("oob_score".into(), Value::Bool(true));
        params.insert("max_depth".into(), Value::Int(4));
        params.insert("splitter".into(), Value::Str("hist".into()));
        let forest = RandomForest::classifier(&params).expect("params");
        let plain = forest.fit_forest(&x, &y).expect("fit");
        let dir = std::env::temp_dir().join(format!("mlg-forest-ranks-checkpoint-{}", std::process::id()));
        let path = dir.join("rf.ckpt");
        let file = path.clone();
        let on_ranks = move |resume: bool| {
            let (forest, x, y, path) = (forest.clone(), x.clone(), y.clone(), file.clone());
            Local::run(2, move |rank| {
                let r = share(n, 2, rank);
                let part = Matrix {
                    rows: r.len(),
                    cols: x.cols,
                    data: x.data[r.start * x.cols..r.end * x.cols].to_vec(),
                };
                let Target::Classes { codes, labels } = &y else {
                    unreachable!("classes")
                };
                let target = Target::Classes {
                    codes: codes[r].to_vec(),
                    labels: labels.clone(),
                };
                let slot = Slot {
                    path: path.clone(),
                    resume,
                    writer: rank == 0,
                };
                with_slot(slot, || forest.fit_forest(&part, &target)).expect("fit on ranks")
            })
        };
        for fitted in on_ranks(false) {
            assert_eq!(fitted, plain, "2 ranks grow one process's forest");
        }
        let (print, payload) = crate::testing::saved_checkpoint(&path);
        let mut grown = decode(&payload).expect("trees");
        assert_eq!(grown.len(), 6);
        assert!(
            grown.iter().all(|(_, bag)| bag.is_none()),
            "no bags saved on ranks"
        );
        grown.truncate(2);
        mlg_runtime::checkpoint::save(&path, print, &encode(&grown)).expect("save");
        for fitted in on_ranks(true) {
            assert_eq!(fitted, plain, "resumed after 2 trees");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
