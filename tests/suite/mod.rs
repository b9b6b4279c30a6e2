mod bad_input;
mod cli;
mod fuzz;
mod scenarios;
mod support;
mod theory;
