//! A libevent / Redis-ae style reactor over mio (work in progress).
