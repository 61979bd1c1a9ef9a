//! Discovery and load balancing (see submodules).
