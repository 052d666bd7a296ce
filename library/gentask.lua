---@meta gentask
-- Definitions of gentask's public API for LuaLS (lua-language-server) and other EmmyLua readers:
-- types, completion and hover text in an editor. Nothing here runs: `require "gentask"` loads
-- lua/gentask/init.lua. docs/editor.md says how to point an editor at this folder;
-- spec/annotations_spec.lua checks these names against the core's own lists (gentask.core's
-- options, kinds and states, the binding's task fields and methods), both ways.

-- ---- names -----------------------------------------------------------------------------------

---What went wrong, one of the core's kinds (`require("gentask.core").kinds`).
---@alias gentask.ErrorKind
---| "invalid_request" # the request itself is wrong: fix the parameters
---| "authentication" # the key is missing, wrong or revoked
---| "payment_required" # out of credits
---| "permission_denied" # the key may not do this
---| "not_found" # no such task or model
---| "conflict" # clashes with another request (idempotency key reuse)
---| "rate_limited" # too many requests: wait retry_after, then again (retryable)
---| "moderated" # content policy; stage says input or output
---| "input_unreachable" # an input URL could not be fetched by the provider
---| "generation_failed" # the provider failed; a new attempt is a new paid generation (retryable)
---| "timeout" # the provider timed out (retryable)
---| "unavailable" # the model or service is down for now; gentask's own store, with a code (retryable)
---| "server_error" # the provider broke (5xx) (retryable)
---| "network" # connection refused or reset, DNS, a client-side timeout (retryable)
---| "protocol" # the response could not be understood
---| "cancelled" # the caller (or the provider) cancelled the task
---| "deadline_exceeded" # a wait or the task_timeout ran out
---| "usage" # gentask was called wrongly
---| "budget_exceeded" # the client's budget (max_submits or max_cost) is spent: nothing was sent

---Where a task is, one of the core's states (`require("gentask.core").states`, in its order).
---@alias gentask.TaskState
---| "queued" # behind max_in_flight, max_requests or a 429 pause
---| "submitting" # the submit is on the wire
---| "waiting" # between polls
---| "polling" # a poll is on the wire
---| "succeeded" # ended with results
---| "failed" # ended with an error
---| "cancelled" # ended by a cancel
---| "cancelling" # the provider's cancel is on its way

---The exchange an error came from.
---@alias gentask.Phase "submit"|"poll"|"cancel"|"download"|"webhook"

---Whether the provider took a failed submit: "no" (safe to resubmit), "unknown" (resubmitting may
---pay twice), "yes" (taken, then failed).
---@alias gentask.Submitted "no"|"yes"|"unknown"

-- ---- options ---------------------------------------------------------------------------------

---Where a task's results are saved as soon as it succeeds.
---@class gentask.DownloadOptions
---@field dir string the directory (made when missing)
---@field name? string the base name; several results are name-1, name-2, … (default: the submit's key, else the task id)

---Opting in to submitting again after a provider failure: each resubmit is a new, paid generation.
---@class gentask.Resubmit
---@field kinds gentask.ErrorKind[] the kinds that are submitted again ("generation_failed", "timeout", …)
---@field max? integer how many times at most

---Your own prices, replacing the profile's price table for one client.
---@class gentask.Prices
---@field source string where they come from
---@field date string the day they were read, YYYY-MM-DD
---@field unit? "image"|"second"|"megapixel"|"request" what a price is for (default "image")
---@field models table<string, number|{amount: number, unit?: string}> model → amount; "*" for every other model

---What gentask.client takes: the core's options (`require("gentask.core").options`, with their
---units, bounds and defaults) and the client's own. Every one but provider is optional; a
---misspelt name is a usage error.
---@class gentask.ClientOptions
---@field provider string|gentask.Profile a provider name ("bfl", "foxapi", …) or a profile table
---@field api_key? string the key; it stays inside the C core, never in a table, an error or tostring
---@field base_url? string the API's address (default: the provider's own; the simulator's in tests)
---@field region? string one of the profile's regions (BFL: "eu", "us", "global"); not with base_url
---@field resubmit? gentask.Resubmit submit again after a provider failure: a new, paid generation
---@field download? gentask.DownloadOptions save every result as soon as its task succeeds
---@field log? fun(line: string) a debug line per request and per answer
---@field prices? gentask.Prices your prices, replacing the profile's price table
---@field timeout? number one HTTP request, connect included; seconds (default 30)
---@field connect_timeout? number connecting to the provider; seconds (default 10)
---@field poll_interval? number the first wait between polls (a provider's eta replaces it); seconds (default 1)
---@field poll_max_interval? number the wait grows by half each poll, up to this; seconds (default 5)
---@field max_retries? integer retryable failures tried again in a row, per phase (default 3)
---@field backoff_initial? number the first retry's wait, doubling, jittered; seconds (default 0.5)
---@field backoff_max? number the longest retry wait; seconds (default 8)
---@field task_timeout? number from submit to the end of the caller's wait; a paid task is polled once more, then left to recover(); seconds (default 3600)
---@field min_submit_time? number a queued task is submitted only with this much of its task_timeout left (or the provider's eta for its model, if longer; at most half the task_timeout); else it ends deadline_exceeded, unsent; seconds (default 5)
---@field max_body_bytes? integer a larger response is refused (kind protocol); bytes (default 4.1943e+06)
---@field max_download_bytes? integer a larger result file is not kept (a download error; the task still succeeds); bytes (default 5.36871e+08)
---@field max_in_flight? integer tasks between submit and end at once; default: the provider's documented cap, else none
---@field max_requests? integer requests on the wire at once (0: no cap); the rest wait their turn, holding no socket (default 256)
---@field max_submits? integer tasks this client may submit in its life (0: no budget); the rest fail budget_exceeded unsent (default 0)
---@field max_cost? number money this client may spend, in its profile's cost currency (0: no budget): a submit that could take the spend past it waits for tasks in flight to end, or fails budget_exceeded unsent; in the profile's cost currency (default 0)
---@field ca_file? string a PEM bundle of the CAs to trust instead of the system's (verification stays on)
---@field proxy? string a proxy URL for every request (http://, https://, socks5h://)
---@field journal? string an SQLite file that keeps every task, for client:recover() after a crash (mode 0600); or redis://IP[:PORT][/PREFIX], redis:///PATH.sock[/PREFIX]: the key's shared state in Redis
---@field redis_timeout? number a call to Redis (journal = "redis://...") unanswered this long: the link is dropped and made again; seconds (default 1)
---@field redis_volatile_ok? boolean accept a Redis journal that may lose its records (nothing on disk, allkeys-* eviction), or will not say (default false)
---@field cancel_at_deadline? boolean a paid task still running at its deadline is cancelled at the provider, where its profile documents a cancel, instead of being left to recover() (default false)
---@field journal_fresh? boolean start afresh on a Redis journal a client found emptied (FLUSHALL, restart without persistence) (default false)
---@field webhook_url? string ask the provider to push each task's end here, where it offers webhooks (client:webhook reads them)
---@field webhook_secret? string the secret the provider signs its webhooks with, where it signs (BFL; whsec_... for Standard Webhooks); never shown
---@field webhook_keys_url? string where the provider's webhook public keys are fetched from, instead of the profile's (ed25519)
---@field webhook_poll_factor? integer a task that asked for a webhook polls this many times slower, as a fallback (default 10)
---@field secret_env? string a provider that signs JWTs (Kling): the environment variable that holds the secret key, instead of the profile's
---@field secret_file? string a provider that signs JWTs: a file of yours alone (mode 0600) that holds the secret key, instead of a variable

---What one submit (or recover, attach) takes: the core's per-task options, which override the
---client's for this task, and the submit's own.
---@class gentask.SubmitOptions
---@field key? string the caller's own name for this request (needs a journal): the same key and request return the journaled task instead of paying again
---@field resubmit? gentask.Resubmit submit again after a provider failure: a new, paid generation
---@field download? gentask.DownloadOptions save the results as soon as the task succeeds
---@field timeout? number one HTTP request, connect included; seconds (default 30)
---@field connect_timeout? number connecting to the provider; seconds (default 10)
---@field poll_interval? number the first wait between polls (a provider's eta replaces it); seconds (default 1)
---@field poll_max_interval? number the wait grows by half each poll, up to this; seconds (default 5)
---@field max_retries? integer retryable failures tried again in a row, per phase (default 3)
---@field backoff_initial? number the first retry's wait, doubling, jittered; seconds (default 0.5)
---@field backoff_max? number the longest retry wait; seconds (default 8)
---@field task_timeout? number from submit to the end of the caller's wait; a paid task is polled once more, then left to recover(); seconds (default 3600)
---@field min_submit_time? number a queued task is submitted only with this much of its task_timeout left (or the provider's eta for its model, if longer; at most half the task_timeout); else it ends deadline_exceeded, unsent; seconds (default 5)
---@field max_body_bytes? integer a larger response is refused (kind protocol); bytes (default 4.1943e+06)
---@field max_download_bytes? integer a larger result file is not kept (a download error; the task still succeeds); bytes (default 5.36871e+08)
---@field cancel_at_deadline? boolean a paid task still running at its deadline is cancelled at the provider, where its profile documents a cancel, instead of being left to recover() (default false)
---@field webhook_poll_factor? integer a task that asked for a webhook polls this many times slower, as a fallback (default 10)

-- ---- results and errors ----------------------------------------------------------------------

---What a task cost, where that is known.
---@class gentask.Cost
---@field amount number in currency (0: the provider never took it)
---@field currency string "USD", …
---@field source "reported"|"price table"|"not sent" the provider's answer said it; the profile's prices (an estimate); never sent

---A result file a download wrote.
---@class gentask.ResultFile
---@field path string where it is
---@field bytes integer its size
---@field sha256 string its SHA-256, lowercase hex
---@field content_type string its media type
---@field url string where it came from

---A succeeded task's outcome.
---@class gentask.Result
---@field url? string the first result URL (urls[1])
---@field urls string[] the result URLs
---@field texts string[] results that are text rather than URLs (FLORA's text outputs)
---@field id string the provider's task id
---@field provider string the provider's name
---@field request_id? string the provider's request id, where it sends one
---@field cost? gentask.Cost what the task cost, where known
---@field raw any the decoded final response (decoded when first read)
---@field files? gentask.ResultFile[] the files a download wrote, one per result (or download_errors[i])
---@field download_errors? table<integer, gentask.Error> why a result's file was not written (phase "download")
---@field expires_at? number when the URLs stop working (seconds since 1970), where the provider documents it

---Every failure, whatever its provider or phase: a table with a metatable (tostring reads well and
---never shows the key). A field is absent when it has no value; the names are the core's
---(`require("gentask.core").error_fields`), and cost.
---@class gentask.Error
---@field kind gentask.ErrorKind what went wrong
---@field retryable boolean whether trying again (waiting, then the same call) can help
---@field message string the provider's own message where there is one, else what the status means
---@field provider? string the provider's name
---@field phase? gentask.Phase the exchange it came from
---@field submitted? gentask.Submitted on submit failures: whether the provider took it
---@field status? integer the HTTP status
---@field code? string|number the provider's own code, verbatim; gentask's own faults: journal, redis, disk, download_dir
---@field stage? "input"|"output" for moderated: which side was refused
---@field request_id? string the provider's request id
---@field task_id? string the provider's task id
---@field body? string the first 512 bytes of the raw response (the key scrubbed first)
---@field retry_after? number seconds, from Retry-After
---@field attempts? integer how many times the submit was sent
---@field idempotency_key? string the key the submits carried, where the provider honours one
---@field cause? gentask.Error on deadline_exceeded: the last answer that was no answer
---@field cost? gentask.Cost what the failure cost, where known (0: nothing)

---One outcome of gentask.settle.
---@class gentask.Settled
---@field ok boolean whether the task succeeded
---@field value? gentask.Result its result, when ok
---@field error? gentask.Error its error, when not

-- ---- the task --------------------------------------------------------------------------------

---A task: a userdata whose fields are read from the C core on every access. A collected task in
---flight is cancelled cleanly; on Lua 5.4, `local t <close> = client:submit(...)` cancels it
---when the scope ends (locally: only task:cancel() sends the provider's cancel).
---@class gentask.Task
---@field id? string the provider's task id (nil until the submit is answered)
---@field state gentask.TaskState where the task is
---@field phase "submit"|"poll"|"cancel" the phase an error now would carry
---@field progress integer 0..100, as the provider reports it
---@field provider string the provider's name
---@field request_id? string the provider's request id, where it sends one
---@field done boolean the task ended (and its downloads with it)
---@field downloading boolean its result files are on their way
---@field cancel_confirmed? boolean true: the provider confirmed the cancel; false: refused it; nil: nothing sent or no answer yet
---@field cancel_error? gentask.Error why the provider refused the cancel (phase "cancel")
local Task = {}

---Waits for the task (yields inside a gentask coroutine, drives the engine outside one) and
---returns its result; raises its error table. A wait that runs out raises deadline_exceeded:
---the task goes on.
---@param seconds? number how long to wait at most
---@return gentask.Result
function Task:wait(seconds) end

---The same wait, not raising: result, or nil and the error table.
---@param seconds? number how long to wait at most
---@return gentask.Result|nil result
---@return gentask.Error|nil err
function Task:result(seconds) end

---Calls fn when the task ends ("done": fn(result, err, task); keeps the task alive until then) or
---when its progress changes ("progress": fn(task, progress)).
---@param event "done"|"progress"
---@param fn fun(result: gentask.Result|nil, err: gentask.Error|nil, task: gentask.Task)|fun(task: gentask.Task, progress: integer)
---@return gentask.Task self
function Task:on(event, fn) end

---Stops polling at once; sends the provider's cancel where it documents one (the task is
---"cancelling" until the answer, then ends "cancelled").
function Task:cancel() end

---Fetches a succeeded task's results (again): a path whose last part has an extension names the
---file, anything else is a directory.
---@param dir_or_path string
---@param options? {name?: string} the base name in a directory
---@return gentask.ResultFile[] files
---@return table<integer, gentask.Error> errors
function Task:download(dir_or_path, options) end

-- ---- the client ------------------------------------------------------------------------------

---What client:stats() says the client is doing.
---@class gentask.Stats
---@field in_flight integer tasks between submit and end
---@field queued integer tasks waiting for a place
---@field accepted integer tasks the provider took
---@field cap? integer the cap learned from 429s
---@field max_in_flight? integer the cap the client was given (or the profile's)
---@field requests integer requests on the wire
---@field requests_queued integer requests waiting for max_requests
---@field paused_for number seconds the submits are paused after a 429
---@field submits integer submits sent
---@field refused integer submits refused in a way that proves nothing was taken
---@field submitted integer what max_submits counts (with a journal, over every process that used it)
---@field submits_on_wire integer submits not answered yet
---@field journal_pending integer records not written yet
---@field journal_failing_for number seconds the journal's writes have failed in a row (0 while they succeed)
---@field journal_error? string why, while they fail
---@field spent? number what ended tasks cost, where the profile prices tasks
---@field spent_estimated? number the part of spent the price table estimated
---@field currency? string the currency of spent

---A webhook delivery the caller's HTTP server received.
---@class gentask.WebhookDelivery
---@field headers? table<string, string> the request's headers
---@field body string the raw body

---What a webhook delivery or a classified response says.
---@class gentask.Reading
---@field state? "pending"|"running"|"succeeded"|"failed"|"cancelled" the provider's state, mapped
---@field provider_state? string the provider's own state string
---@field id? string the task id
---@field progress? number 0..100
---@field urls? string[] result URLs
---@field texts? string[] results that are text
---@field poll_url? string a URL to poll instead of the template
---@field fetch_result? boolean a success whose results a second request fetches
---@field result_url? string where that request goes
---@field result_id? string what it asks for
---@field verified? boolean (webhook) the signature was checked and is valid
---@field task? gentask.Task (webhook) this client's task with that id
---@field posted? boolean (webhook) not this client's: handed through the shared journal to its owner

---A client of one provider, made by gentask.client. Its key stays in the C core.
---@class gentask.Client
---@field provider string the provider's name
---@field base_url string the API's address
local Client = {}

---Starts a task at once (or queues it behind max_in_flight); wait() for its outcome.
---@param model string the provider's model name
---@param params? table the request's parameters (gentask.file values are read and encoded first)
---@param options? gentask.SubmitOptions overrides of the client's options for this task
---@return gentask.Task
function Client:submit(model, params, options) end

---Hands one webhook delivery to the client: a valid one ends the matching task at once; a
---missing, wrong, stale or replayed signature is refused and changes nothing.
---@param delivery gentask.WebhookDelivery
---@return gentask.Reading|nil delivery
---@return gentask.Error|nil err
function Client:webhook(delivery) end

---One task per journal record a stopped process left unfinished: accepted ones polled, queued
---ones submitted, sending ones resent where that is safe. Needs the client's journal.
---@param options? gentask.SubmitOptions no key; download takes a dir only
---@return gentask.Task[]
function Client:recover(options) end

---Polls a task the provider already has (submitted elsewhere); never submits.
---@param id string the provider's task id
---@param where? {model?: string, poll_url?: string} the model (FLORA, APIXO) and the poll URL the provider gave
---@param options? gentask.SubmitOptions
---@return gentask.Task
function Client:attach(id, where, options) end

---Stops taking submits: the unsent end cancelled, those on the wire are answered and journaled.
---@return integer unwritten journal records it could not write (0: all are written)
---@return string|nil why the journal's error
function Client:close() end

---What the client is doing now.
---@return gentask.Stats
function Client:stats() end

---What the client counted since it was made (docs/metrics.md): plain data for gentask.metrics.prometheus.
---@return table snapshot
function Client:metrics() end

-- ---- profiles --------------------------------------------------------------------------------

---A provider: data first, a function only where data cannot say it (docs/providers.md, "The
---provider profile table", describes every field). Pass it as provider = to gentask.client, or
---put it in lua/gentask/providers/NAME.lua.
---@class gentask.Profile
---@field name? string the provider's name (default "custom")
---@field base_url string the default http(s) prefix of every path
---@field auth? {header?: string, prefix?: string, body_field?: string, jwt?: table} how the key is sent
---@field request fun(model: string, params: table): {path: string, body: table, poll_path?: string} the submit
---@field poll {method?: "GET"|"POST", path?: string, key_field?: string} how a task is polled ({id}, {+id})
---@field fields table<string, string|string[]> where each value lives in a response body (dot paths)
---@field states? table<string, string|table> provider state → pending, running, succeeded, failed or cancelled
---@field codes? table<string, gentask.ErrorKind|table> a failed task's codes → a kind
---@field http_codes? table<string, gentask.ErrorKind|table> codes in HTTP error bodies → a kind
---@field message_codes? table<string, gentask.ErrorKind|table> pieces of a message → a kind
---@field statuses? table<integer, gentask.ErrorKind|table> an HTTP status used for something else
---@field request_id_headers? string[] response headers kept as request_id
---@field poll_hosts? string[] hosts of the poll URLs the provider hands back ("*.bfl.ai")
---@field regions? table<string, string> base URLs that client{ region = } picks from
---@field progress_scale? number multiplies progress (100 for a fraction)
---@field max_in_flight? integer the provider's documented cap on tasks in flight per key
---@field cancel? {method?: string, path?: string, from_poll_url?: string} the documented cancel endpoint
---@field webhook? table how a submit asks for a webhook and how deliveries are signed
---@field cost? table what a task costs: currency, scale, failed_free, count, seconds, width, height, prices, header
---@field result_ttl? number seconds the result URLs live after success
---@field file_form? "data_uri"|"base64" how a gentask.file parameter is sent
---@field max_file_bytes? integer the largest gentask.file input (default 10 MiB)
---@field key_env? string the variable the gentask command reads the key from
---@field input_image_param? string the parameter gentask run --image fills
---@field idempotency_field? string a body field the provider reads as an idempotency key
---@field idempotency_header? string a header the provider reads as an idempotency key
---@field headers? table<string, string> headers every request to the provider carries
---@field deadline_header? {name: string, suffix?: string, min?: number} the task's time left, per submit
---@field result? {method?: string, path?: string} the result fetch, for answers that hold no results
---@field download? {keyed?: boolean, hosts?: string[]} keyed downloads from the provider's own API
---@field missing_state? string the state of a poll answer that carries none

-- ---- the module ------------------------------------------------------------------------------

---A local file as a parameter value (gentask.file).
---@class gentask.File
---@field path? string
---@field bytes? string
---@field name? string

---What gentask.fleet reads.
---@class gentask.FleetOptions
---@field journal string a journal file, or a redis:// address
---@field api_key? string Redis only: it names the account's keys there; kept nowhere
---@field redis_timeout? number seconds

---What every process sharing a journal is doing (gentask.fleet).
---@class gentask.Fleet
---@field owners {id: string, host: string, pid: integer, lease_left: number, places: integer}[]
---@field tasks {queued: integer, sending: integer, accepted: integer, ended: integer}
---@field providers table<string, table> the same, per provider
---@field paused_until? number
---@field pause_left? number
---@field cap? integer
---@field sent integer records whose submit went out
---@field spend? {currency: string, settled: number, held: number, max_cost?: number}

---A response received elsewhere, for gentask.classify.
---@class gentask.ClassifyResponse
---@field provider string|gentask.Profile
---@field phase? "submit"|"poll"|"result" (default "poll")
---@field status integer the HTTP status
---@field headers? table<string, string>
---@field body? string

---gentask: drive asynchronous generative-media APIs (submit → poll → result) from Lua.
---@class gentask
---@field errors gentask.errors the error kinds, is() and the usage error
---@field _VERSION string "gentask VERSION"
---@field webhook_max_body integer the largest webhook body client:webhook reads, in bytes
local gentask = {}

---Makes a client of one provider.
---@param options gentask.ClientOptions
---@return gentask.Client
function gentask.client(options) end

---Reads a response received elsewhere exactly as the engine reads one.
---@param response gentask.ClassifyResponse
---@return gentask.Error|nil err
---@return gentask.Reading|nil reading
function gentask.classify(response) end

---Runs fn in a coroutine and drives every task until fn and everything it spawned are done;
---returns fn's results, raises an error from any of them.
---@generic R
---@param fn fun(...): R
---@param ... any
---@return R
function gentask.run(fn, ...) end

---Starts fn in a new coroutine now; the engine resumes it.
---@param fn function
---@param ... any
function gentask.spawn(fn, ...) end

---Every task's result, in order; raises the first failure as soon as it happens.
---@param tasks gentask.Task[]
---@param seconds? number
---@return gentask.Result[]
function gentask.all(tasks, seconds) end

---The first task to succeed; raises the first task's error when all fail.
---@param tasks gentask.Task[]
---@param seconds? number
---@return gentask.Result result
---@return integer index
function gentask.any(tasks, seconds) end

---Waits for every task; never raises for a task's failure.
---@param tasks gentask.Task[]
---@param seconds? number
---@return gentask.Settled[]
function gentask.settle(tasks, seconds) end

---A local file as a parameter value, sent as the provider takes it (a data URI, or base64).
---@param spec string|{bytes: string, name?: string} a path, or the bytes
---@return gentask.File
function gentask.file(spec) end

---Pauses the calling coroutine (or blocks a plain script, driving tasks) for seconds.
---@param seconds? number
function gentask.sleep(seconds) end

---One non-blocking round: for hosts that call gentask once per frame.
function gentask.update() end

---Every client of this process summed per provider: { providers = { [name] = … }, bounds = … }.
---@return table snapshot
function gentask.metrics() end

---What every process sharing a journal is doing; writes nothing.
---@param options gentask.FleetOptions
---@return gentask.Fleet|nil fleet
---@return gentask.Error|nil err unavailable, code "journal" or "redis"
function gentask.fleet(options) end

---Counters for tests and monitoring.
---@return {live_tasks: integer, coroutines: integer}
function gentask.stats() end

return gentask
