//! `MODULE LIST|LOAD|LOADEX|UNLOAD|HELP`, answered as redis-server answers
//! with no module loaded. Redis: `moduleCommand` in `src/module.c`.
//!
//! kv-cache has no module API, so every load fails — with Redis's text for
//! a library that failed to load — and no module can be unloaded. Redis
//! 7.0 also refuses LOAD/LOADEX/UNLOAD outright unless
//! `enable-module-command` allows them; kv-cache has no such parameter,
//! and answers as a server that allows them.

use super::Ctx;
use crate::protocol::Argv;

/// `MODULE` without a subcommand never reaches here (arity -2).
pub fn module(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("module");
}

/// `MODULE LIST`: no modules.
pub fn module_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.array(0);
}

const LOAD_FAILED: &str = "ERR Error loading the extension. Please check the server logs.";

/// `MODULE LOAD path [arg ...]`
pub fn module_load(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error(LOAD_FAILED);
}

/// `MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]`
pub fn module_loadex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error(LOAD_FAILED);
}

/// `MODULE UNLOAD name`
pub fn module_unload(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out
        .error("ERR Error unloading module: no such module with that name");
}

/// `MODULE HELP`
pub fn module_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "MODULE",
        &[
            "LIST",
            "    List the modules loaded (kv-cache has none).",
            "LOAD <path> [<arg> ...]",
            "    Load the module library at <path> with optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load the module library at <path> with configurations and arguments.",
            "UNLOAD <name>",
            "    Unload the module called <name>.",
        ],
    );
}
