mod bad_input;
mod cli;
mod demand;
mod fuzz;
mod scenarios;
mod support;
mod theory;
mod triggers;
