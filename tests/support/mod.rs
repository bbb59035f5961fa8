#![allow(dead_code)]
pub mod kube;
pub mod tmux;
