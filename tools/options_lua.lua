-- The options docs/options.md documents beside gentask.core.options, for tools/options_doc.lua:
--
--   lua_layer: the options the Lua layer reads itself, which are not in the core's table (their
--     values are tables, functions, provider profiles, or say where the client talks to). They
--     are the names of own_names in lua/gentask/init.lua; spec/reference_spec.lua checks that
--     both lists hold the same names and that every one is accepted where this file says.
--     set_on: "client", "client, submit" (a submit's own value overrides the client's) or "submit".
--   see: a core option's page of the reference, where its behaviour is told at length.
--
-- The core's options carry their meaning in the core (csrc/core/base/options.c): it is not
-- repeated here.
return {
  lua_layer = {
    { name = "provider", set_on = "client", value = "a provider name (`\"bfl\"`) or a profile table",
      default = "required",
      meaning = "who the client talks to: a built-in profile of `lua/gentask/providers/`, or your own table "
        .. "([providers.md](providers.md#adding-a-provider))",
      read_by = "`gentask.client` (`load_profile`, `lua/gentask/init.lua`)" },
    { name = "api_key", set_on = "client", value = "a string", default = "required where the profile has `auth`",
      meaning = "the provider's key; handed to the C core at once, it is never in a Lua table, an error, a log "
        .. "line or `tostring`",
      read_by = "`gentask.client`, then the binding (`csrc/lua/client.c`)" },
    { name = "base_url", set_on = "client", value = "an `http(s)://` URL", default = "the profile's `base_url`",
      meaning = "where requests go instead of the provider's own address: a proxy, a simulator; poll URLs "
        .. "are trusted by its origin ([the trust rule](tasks.md#where-polls-go-the-trust-rule))",
      read_by = "`gentask.client` (`lua/gentask/init.lua`)" },
    { name = "region", set_on = "client",
      value = "a name of the profile's `regions` (`\"eu\"`, `\"us\"`, `\"global\"`)",
      default = "none",
      meaning = "picks the provider's regional base URL (BFL); with `base_url` beside it, or a name the "
        .. "profile lacks, a `usage` error that lists the regions",
      read_by = "`gentask.client` (`lua/gentask/init.lua`)" },
    { name = "log", set_on = "client", value = "`function(line)`", default = "stderr when `GENTASK_LOG=debug`, "
        .. "else none",
      meaning = "gets a debug line per request and per answer ([tasks.md](tasks.md#debug-logging))",
      read_by = "`gentask.client` (`lua/gentask/log.lua`'s sink)" },
    { name = "prices", set_on = "client",
      value = "`{ source =, date =, unit =, models = { [model] = price } }`", default = "the profile's price table",
      meaning = "your own prices, replacing the provider's price table for this client (a contract's, or fal's, "
        .. "whose profile has none); checked as a profile's, a `usage` error naming `prices.*` "
        .. "([tasks.md](tasks.md#results))",
      read_by = "the binding (`csrc/lua/client.c`, read by `csrc/lua/profile_cost.c`)" },
    { name = "resubmit", set_on = "client, submit", value = "`{ kinds = { kind, … }, max = n }`", default = "none",
      meaning = "opt in to submitting again after the provider failed a task with one of `kinds`: each "
        .. "resubmit is a new, paid generation ([errors.md](errors.md#retries-never-lose-a-task-never-pay-twice))",
      read_by = "checked in `lua/gentask/init.lua`, read by the binding (`csrc/lua/convert.c`)" },
    { name = "download", set_on = "client, submit", value = "`{ dir = \"out\", name = \"fox\" }` (`name` optional; "
        .. "`recover` takes `dir` alone)", default = "none",
      meaning = "every result saved under `dir` as soon as the task succeeds ([tasks.md](tasks.md#saving-results))",
      read_by = "`lua/gentask/init.lua` (`core.task_download`)" },
    { name = "key", set_on = "submit", value = "a string (1 to 4096 bytes)", default = "none",
      meaning = "your own name for this request; with a journal, the same key and request returns the "
        .. "journaled task instead of paying again ([journal.md](journal.md#surviving-a-crash))",
      read_by = "checked in `lua/gentask/init.lua` and handed to the core by `client:submit`" },
  },
  see = {
    timeout = "errors.md#retries-never-lose-a-task-never-pay-twice",
    task_timeout = "errors.md#retries-never-lose-a-task-never-pay-twice",
    min_submit_time = "errors.md#retries-never-lose-a-task-never-pay-twice",
    max_retries = "errors.md#retries-never-lose-a-task-never-pay-twice",
    max_in_flight = "errors.md#retries-never-lose-a-task-never-pay-twice",
    max_download_bytes = "tasks.md#saving-results",
    max_cost = "tasks.md#a-budget-in-money",
    max_submits = "journal.md#surviving-a-crash",
    journal = "journal.md",
    redis_timeout = "journal.md#a-fleet-on-one-redis",
    redis_volatile_ok = "journal.md#a-fleet-on-one-redis",
    journal_fresh = "journal.md#a-fleet-on-one-redis",
    cancel_at_deadline = "errors.md#cancelling",
    webhook_url = "webhooks.md",
    webhook_secret = "webhooks.md",
    webhook_keys_url = "webhooks.md#signature-schemes",
    webhook_poll_factor = "webhooks.md",
    secret_env = "providers.md#the-provider-profile-table",
    secret_file = "providers.md#the-provider-profile-table",
  },
}
