#![allow(dead_code)]
pub mod tmux;
pub mod kube;
