//! scikit-learn 1.9.1 reference values for the tree tests, produced with
//! `/tmp/skv/bin/python` (numpy only, data read with `np.loadtxt` from
//! `examples/data/*.csv`, features = every column but `target`):
//!
//! ```text
//! t = DecisionTreeClassifier(criterion="entropy", max_depth=4, random_state=0).fit(X, y)
//! "".join(str(int(v)) for v in t.predict(X))                       # breast_cancer
//! t = DecisionTreeRegressor(criterion="absolute_error", max_depth=d,
//!                           min_samples_leaf=l, random_state=0).fit(X, y)   # diabetes
//! zip(t.tree_.feature, t.tree_.threshold, t.tree_.value[:, 0, 0])
//! t = DecisionTreeClassifier(max_depth=d, class_weight=cw, random_state=0).fit(X, y)
//! "".join(map(str, t.predict(X)))                                  # imbalanced (tests_criteria)
//! ```

/// `DecisionTreeClassifier(criterion="entropy", max_depth=4, random_state=0)` on
/// breast_cancer: `predict(X)` (the same for random_state 0..9).
pub(super) const BC_ENTROPY_DEPTH4: &str = "00000000000000000001110000000000000001001000001011111001001111010011010100101001110010001110110011100111101101111111100010011100101001011101101111011111111101111001011001100111101100010101110110010000100010101101000011001110111110011011001011110111110100000000000000111111010110110100111111101111101101011111111111111011101011110001111010101110111111100011111111111001000100111110111110111011001111110111111101111001101111111111110100101111101101010010111111110011111101111111011011111110101101111100101011111011010100111011111111111010011110011111111111111111110000001";
/// `DecisionTreeRegressor(criterion="absolute_error", max_depth=3, min_samples_leaf=1,
/// random_state=0)` on diabetes: `(tree_.feature, tree_.threshold, tree_.value)` per node in
/// pre-order (feature -2 = leaf; the same for random_state 0..9).
pub(super) const DIABETES_MAE_DEPTH3_LEAF1: &[(i64, f64, f64)] = &[
    (8, 4.600149869918823, 140.5),
    (2, 26.949999809265137, 95.5),
    (8, 4.16664981842041, 84.0),
    (-2, -2.0, 72.0),
    (-2, -2.0, 93.0),
    (0, 26.5, 145.0),
    (-2, -2.0, 274.0),
    (-2, -2.0, 144.0),
    (2, 27.75, 196.5),
    (3, 81.5, 153.5),
    (-2, -2.0, 115.5),
    (-2, -2.0, 166.0),
    (2, 32.75, 237.0),
    (-2, -2.0, 220.0),
    (-2, -2.0, 274.0),
];
/// `DecisionTreeRegressor(criterion="absolute_error", max_depth=4, min_samples_leaf=5,
/// random_state=0)` on diabetes: `(tree_.feature, tree_.threshold, tree_.value)` per node in
/// pre-order (feature -2 = leaf; the same for random_state 0..9).
pub(super) const DIABETES_MAE_DEPTH4_LEAF5: &[(i64, f64, f64)] = &[
    (8, 4.600149869918823, 140.5),
    (2, 26.949999809265137, 95.5),
    (8, 4.16664981842041, 84.0),
    (0, 24.5, 72.0),
    (-2, -2.0, 101.0),
    (-2, -2.0, 71.0),
    (4, 148.5, 93.0),
    (-2, -2.0, 139.5),
    (-2, -2.0, 89.0),
    (0, 40.5, 145.0),
    (8, 4.350250005722046, 183.0),
    (-2, -2.0, 170.0),
    (-2, -2.0, 246.0),
    (3, 97.5, 140.0),
    (-2, -2.0, 136.0),
    (-2, -2.0, 176.5),
    (2, 27.75, 196.5),
    (3, 81.5, 153.5),
    (0, 47.5, 115.5),
    (-2, -2.0, 144.0),
    (-2, -2.0, 102.0),
    (8, 4.8322999477386475, 166.0),
    (-2, -2.0, 140.0),
    (-2, -2.0, 189.5),
    (2, 32.75, 237.0),
    (3, 99.5, 220.0),
    (-2, -2.0, 174.0),
    (-2, -2.0, 234.0),
    (5, 129.79999542236328, 274.0),
    (-2, -2.0, 277.0),
    (-2, -2.0, 239.5),
];
/// `DecisionTreeClassifier(max_depth=1, class_weight=None)` on the imbalanced set: `predict(X)`.
pub(super) const IMBALANCED_DEPTH1_PLAIN: &str = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
/// `DecisionTreeClassifier(max_depth=1, class_weight='balanced')` on the imbalanced set: `predict(X)`.
pub(super) const IMBALANCED_DEPTH1_BALANCED: &str = "01110000000001111000000001111000000000111100000000111100000000111100000000011110000000011110000000011110000000001111000000001111000000001111000000000111100000000111100000000111100000000011110000000011";
/// `DecisionTreeClassifier(max_depth=2, class_weight=None)` on the imbalanced set: `predict(X)`.
pub(super) const IMBALANCED_DEPTH2_PLAIN: &str = "00000000000001111000000000000000000000111100000000000000000000111100000000000000000000011110000000000000000000001100000000000001000000000000000000000111100000000000000000000111100000000000000000000011";
/// `DecisionTreeClassifier(max_depth=2, class_weight='balanced')` on the imbalanced set: `predict(X)`.
pub(super) const IMBALANCED_DEPTH2_BALANCED: &str = "10000000000001111000000110000000000000111100001000000000000000111100110000000000000000011111100000000000000000001100000000000001000000000000000000000111100000010000000000000111100000100000000000000011";
