//! Grid search: every point of a finite space in one batch, the last
//! dimension varying fastest (scikit-learn's `ParameterGrid` order).

use super::{full_budget, Coord, Coords, Dim, Proposal, Strategy};

/// Proposes the whole grid once.
pub struct Grid {
    points: Option<Vec<Coords>>,
}

impl Grid {
    /// The grid of `dims`; a float dimension contributes nothing (the checker
    /// rejects floats in a grid).
    pub fn new(dims: &[Dim]) -> Grid {
        Grid {
            points: Some(points(dims)),
        }
    }
}

/// Every point of the finite dimensions of `dims`, in grid order.
pub fn points(dims: &[Dim]) -> Vec<Coords> {
    let mut out: Vec<Coords> = vec![Vec::with_capacity(dims.len())];
    for dim in dims {
        let values: Vec<Coord> = match dim {
            Dim::Choice(n) => (0..*n).map(Coord::Index).collect(),
            Dim::Int { low, high } => (*low..=*high).map(Coord::Int).collect(),
            Dim::Float { .. } => Vec::new(),
        };
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(*v);
                    p
                })
            })
            .collect();
    }
    out
}

impl Strategy for Grid {
    fn ask(&mut self, _history: &[super::Observation]) -> Option<Vec<Proposal>> {
        let points = self.points.take()?;
        Some(full_budget(points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_dimension_varies_fastest() {
        let dims = [Dim::Choice(2), Dim::Int { low: 5, high: 7 }];
        let p = points(&dims);
        assert_eq!(p.len(), 6);
        assert_eq!(p[0], vec![Coord::Index(0), Coord::Int(5)]);
        assert_eq!(p[1], vec![Coord::Index(0), Coord::Int(6)]);
        assert_eq!(p[3], vec![Coord::Index(1), Coord::Int(5)]);
        let mut g = Grid::new(&dims);
        assert_eq!(g.ask(&[]).map(|b| b.len()), Some(6));
        assert!(g.ask(&[]).is_none());
    }
}
