//! mlg runtime: frames, CSV loading, artifacts and compiled models for services.

pub mod frame;
