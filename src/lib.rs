//! mlg
