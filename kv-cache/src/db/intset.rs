//! Placeholder for the intset encoding; its implementation replaces this file.
