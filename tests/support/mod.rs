#![allow(dead_code)]
pub mod tmux;
