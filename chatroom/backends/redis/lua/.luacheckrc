-- luacheck's settings for the scripts as Redis runs them: each script's
-- composed source (the prelude's statements it uses, then its body), and
-- a message's script as a library of Redis's functions too, which
-- tests/backends/redis/test_lua_lint.py writes out and checks, failing on
-- any warning. A body file alone is no whole script: it uses the prelude's
-- functions.
--
-- Redis runs Lua 5.1, with these globals; a script may set none.
std = "lua51"
read_globals = {
  redis = {fields = {
    "call", "pcall", "error_reply", "status_reply", "sha1hex", "log",
    "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
    "setresp", "set_repl", "replicate_commands",
    "REPL_ALL", "REPL_AOF", "REPL_REPLICA", "REPL_SLAVE", "REPL_NONE",
    "breakpoint", "debug", "acl_check_cmd", "REDIS_VERSION", "REDIS_VERSION_NUM",
    "register_function",
  }},
  "KEYS", "ARGV", "cjson", "cmsgpack", "bit", "struct",
}
