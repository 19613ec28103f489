//! Embedding mlg in a Rust program: check and train a workflow, compile one of
//! its models, and predict rows — the same calls a service makes. (A service
//! that only loads artifacts depends on `mlg-runtime` alone: see
//! `examples/embed/`.)
//!
//! Run with `cargo run --release --example embed`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wf = mlg::Workflow::from_file("examples/iris.mlg")?;
    let out = wf.run(&mlg::RunOptions::default())?;
    print!("{}", mlg_report::report::table(&out.evaluations));

    let model = wf.compile("lr")?;
    let frame = mlg_runtime::csv::read_csv(std::path::Path::new("examples/data/iris.csv"))?;
    let predictions = model.predict(&frame)?;
    for row in [0, 60, 120] {
        println!("row {row}: predicted class {}", predictions.prediction_text(row));
    }

    let deployed = mlg_runtime::Model::load("examples/out/iris.mlgc")?;
    println!(
        "loaded `{}` ({} inputs, classes {:?})",
        deployed.name(),
        deployed.inputs().len(),
        deployed.classes()
    );

    // A service's own rows, no frame needed: one row runs on the calling thread.
    let row = mlg_runtime::Row::new()
        .num("sepal_length_cm", 6.3)
        .num("sepal_width_cm", 3.3)
        .num("petal_length_cm", 6.0)
        .num("petal_width_cm", 2.5);
    let one = deployed.predict(&[row])?;
    println!(
        "one row: class {} with probabilities {:?}",
        one.class(0).unwrap_or("?"),
        one.probabilities(0).unwrap_or_default()
    );
    Ok(())
}
