---@meta gentask.core
-- gentask.core: the C module (csrc/lua, the binding of the C core). The Lua layer (gentask) is
-- built on it; a script reads its tables (options, kinds, states, error_fields), and rarely needs
-- more. Its functions are the Lua layer's primitives: their arguments are checked there.

---A client option, as the core declares it.
---@class gentask.core.Option
---@field name string
---@field unit "seconds"|"count"|"bytes"|"money"|"text"|"flag"
---@field min number the lowest value (text: the shortest length)
---@field max number the highest value (text: the longest length)
---@field default? number|boolean nil where there is none
---@field scope "client"|"task" task: one submit may set it too
---@field meaning string

---An error kind, as the core declares it.
---@class gentask.core.Kind
---@field name gentask.ErrorKind
---@field retryable boolean the default; the core decides per error
---@field meaning string

---The engine: one per process, driving every client's transfers (gentask.scheduler holds it).
---@class gentask.core.Engine
local Engine = {}

---Performs what is due (waiting at most seconds for it) and returns.
---@param seconds? number
function Engine:step(seconds) end

---Seconds until the next timer is due, or nil.
---@return number|nil
function Engine:timeout() end

---How many tasks the core still holds.
---@return integer
function Engine:live_tasks() end

---Every client's metrics (gentask.metrics sums them).
---@return table
function Engine:metrics() end

---An fd readable when step(0) is due, where the host watches one fd.
---@return integer|nil
function Engine:wake_fd() end

---@class gentask.core
---@field options gentask.core.Option[] the client options, the one table the Lua layer reads
---@field kinds gentask.core.Kind[] the error kinds, in the core's order
---@field states gentask.TaskState[] the task's states, in the core's order
---@field error_fields string[] the error table's field names, in the core's order
---@field headers string[] the response headers the core reads
---@field webhook_max_body integer the largest webhook body the core takes, in bytes
local core = {}

---Nil, or what is wrong with the first bad option; scope "task" refuses the client's own.
---@param options table
---@param scope? "client"|"task"
---@return string|nil problem
function core.check_options(options, scope) end

---Reads one response with a profile: an error table, or nil and what it says.
---@param profile gentask.Profile
---@param phase "submit"|"poll"|"result"
---@param status integer
---@param headers? table<string, string>
---@param body? string
---@return table|nil error
---@return gentask.Reading|nil reading
function core.classify(profile, phase, status, headers, body) end

---A new engine.
---@return gentask.core.Engine
function core.engine() end

---What every process sharing a journal is doing (gentask.fleet checks the arguments).
---@param journal string
---@param api_key? string
---@param timeout? number
---@return gentask.Fleet|nil fleet
---@return table|nil error
function core.fleet(journal, api_key, timeout) end

---Whether value is a task.
---@param value any
---@return boolean
function core.is_task(value) end

---The methods every task finds through __index from now on (gentask.task hands them over).
---@param methods table<string, function>
function core.task_class(methods) end

---The caller's cancel, sent to the provider where it has an endpoint.
---@param task gentask.Task
function core.task_cancel(task) end

---The error table of a failed or cancelled task, or nothing.
---@param task gentask.Task
---@return table|nil
function core.task_error(task) end

---What keeps an unfinished task from going on — the error its deadline would name as its cause
---(a 429 it waits out, say) — or nothing.
---@param task gentask.Task
---@return table|nil
function core.task_held_by(task) end

---The result URLs, and the results that are text.
---@param task gentask.Task
---@return string[] urls
---@return string[] texts
function core.task_urls(task) end

---What the task cost once it ended, or nil when unknown.
---@param task gentask.Task
---@return gentask.Cost|nil
function core.task_cost(task) end

---The last response body the task saw, or nothing.
---@param task gentask.Task
---@return string|nil
function core.task_body(task) end

---Fetches a task's results into dir.
---@param task gentask.Task
---@param dir string
---@param name? string
---@param extension? string
---@return true|nil ok
---@return string|nil why
function core.task_download(task, dir, name, extension) end

---What the downloads wrote: a file or an error per result, and when the URLs stop working.
---@param task gentask.Task
---@return table<integer, gentask.ResultFile> files
---@return table<integer, table> errors
---@return number|nil expires_at
function core.task_files(task) end

---What a file's first bytes say it is: "image/png", ".png"; or nil.
---@param bytes string
---@return string|nil media_type
---@return string|nil extension
function core.media_type(bytes) end

---bytes in base64.
---@param bytes string
---@return string
function core.base64(bytes) end

---The lowercase hex SHA-256 of bytes.
---@param bytes string
---@return string
function core.sha256(bytes) end

---Whether path is a regular file (not a symbolic link) of that size and SHA-256.
---@param path string
---@param bytes integer
---@param sha256 string
---@return boolean
function core.file_is(path, bytes, sha256) end

---Writes bytes to path whole (a temporary file renamed), mode 0600 by default.
---@param path string
---@param bytes string
---@param mode? integer
---@return true|nil ok
---@return string|nil why
function core.write_file(path, bytes, mode) end

---A file of its owner's alone (mode 0600), at most max_bytes.
---@param path string
---@param max_bytes integer
---@return string|nil text
---@return string|nil why
function core.read_private_file(path, max_bytes) end

---Nil when text is well-formed UTF-8, else the 1-based position of the first byte that is not.
---@param text string
---@return integer|nil
function core.utf8_invalid_at(text) end

return core
