//! Embedding mlg in a Rust program: check and train a workflow, compile one of
//! its models, and predict rows — the same calls a service makes.
//!
//! Run with `cargo run --release --example embed`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wf = mlg::Workflow::from_file("examples/iris.mlg")?;
    let out = wf.run(&mlg::RunOptions::default())?;
    print!("{}", mlg::report::table(&out.evaluations));

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
    Ok(())
}
