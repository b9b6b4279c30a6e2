mod bad_input;
mod cli;
mod demand;
mod fuzz;
mod scenarios;
mod supply;
mod support;
mod theory;
