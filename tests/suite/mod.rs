mod bad_input;
mod cli;
mod demand;
mod fuzz;
mod report;
mod scenarios;
mod support;
mod theory;
