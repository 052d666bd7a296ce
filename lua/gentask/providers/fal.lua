-- fal — the queue API (pages read and readings chosen: docs/providers/fal.md).
-- Submit POST https://queue.fal.run/{model id}[/{subpath}] with the model's input as the body;
-- poll the status_url it returned (GET …/{owner}/{app}/requests/{id}/status, without the subpath);
-- a COMPLETED request's output is fetched from its response_url (the result fetch), which answers
-- the output itself, or the failure under an HTTP error status.
local req = require "gentask.request"

-- "fal-ai/flux/dev": the app's owner and name, then an optional subpath, each a plain name
local function endpoint_parts(model)
  local parts = req.path_segments(model, "model id")
  if #parts < 2 then error(("model must be a fal endpoint id, owner/app[/path], got %q"):format(model), 0) end
  return parts
end

-- fal's error types, under an HTTP error (error_type of a request error, detail[].type of a model
-- error) and beside a COMPLETED status that failed (error_type): one reading for both.
local error_types = {
  -- request errors (https://docs.fal.ai/documentation/model-apis/request-errors)
  request_timeout = "timeout",
  startup_timeout = "timeout",
  runner_scheduling_failure = "unavailable",
  runner_connection_timeout = "unavailable",
  runner_disconnected = "unavailable",
  runner_connection_refused = "unavailable",
  runner_connection_error = "unavailable",
  runner_incomplete_response = "server_error",
  runner_server_error = "server_error",
  client_disconnected = "network",
  client_cancelled = "cancelled",
  bad_request = "invalid_request",
  internal_error = "server_error",
  -- model errors (fal's Error Reference, https://docs.fal.ai/errors): "retryable: true or false"
  -- for the first four, which only the X-Fal-Retryable header decides; the kind's default stands
  internal_server_error = "server_error",
  generation_timeout = "timeout",
  -- a 400 that is not the input's fault: a service fal's model depends on failed
  downstream_service_error = "generation_failed",
  downstream_service_unavailable = "unavailable",
  content_policy_violation = { kind = "moderated", stage = "input" },
  file_download_error = "input_unreachable",
  -- every other 422 type is the input's fault, never retryable: the status says so, but a failed
  -- COMPLETED request carries no status, so they are listed
  image_too_small = "invalid_request",
  image_too_large = "invalid_request",
  image_load_error = "invalid_request",
  face_detection_error = "invalid_request",
  file_too_large = "invalid_request",
  greater_than = "invalid_request",
  greater_than_equal = "invalid_request",
  less_than = "invalid_request",
  less_than_equal = "invalid_request",
  multiple_of = "invalid_request",
  sequence_too_short = "invalid_request",
  sequence_too_long = "invalid_request",
  one_of = "invalid_request",
  feature_not_supported = "invalid_request",
  invalid_archive = "invalid_request",
  archive_file_count_below_minimum = "invalid_request",
  archive_file_count_exceeds_maximum = "invalid_request",
  audio_duration_too_long = "invalid_request",
  audio_duration_too_short = "invalid_request",
  unsupported_audio_format = "invalid_request",
  unsupported_image_format = "invalid_request",
  unsupported_video_format = "invalid_request",
  video_duration_too_long = "invalid_request",
  video_duration_too_short = "invalid_request",
  -- FastAPI's own validation types (the webhook page's error example: value_error.missing)
  ["value_error.*"] = "invalid_request",
}

return {
  name = "fal",
  base_url = "https://queue.fal.run",
  -- "Authorization: Key <FAL_KEY>" (a key may be key_id:key_secret; nothing computed)
  auth = { header = "Authorization", prefix = "Key " },
  request = function(model, params)
    local parts = endpoint_parts(model)
    return {
      path = "/" .. table.concat(parts, "/"),
      -- "subpath … should be used when making the request, but not when getting request status or
      -- results" (https://docs.fal.ai/model-endpoints/queue): only where no status_url came back
      poll_path = ("/%s/%s/requests/{id}/status"):format(parts[1], parts[2]),
      body = req.copy(params),
    }
  end,
  poll = { method = "GET" },
  -- the output is not in the status answer: GET its response_url (on queue.fal.run, the base
  -- URL's origin). The answer is the model's output as is, or its error under an HTTP status
  result = { method = "GET" },
  -- X-Fal-Request-Timeout: seconds the request may wait to start (queue, runner, retries); past
  -- it fal answers 504 with X-Fal-Request-Timeout-Type: user and never runs it — a task the
  -- caller no longer waits for is not started, not billed (common-parameters page). Once it runs,
  -- the header no longer applies; gentask's own deadline still ends the wait
  deadline_header = { name = "X-Fal-Request-Timeout" },
  -- media on fal's CDN is "available for at least 7 days by default" (the FAQ, media expiration)
  result_ttl = 604800,
  -- cancel: PUT the submit answer's cancel_url, …/{owner}/{app}/requests/{id}/cancel beside its
  -- status_url (the app without the model's subpath, which one template cannot hold). A queued
  -- request is removed and never runs, never billed; a running one is told, and stops only if its
  -- app handles cancellation (handle-cancellations page)
  cancel = { method = "PUT", from_poll_url = "cancel" },
  -- webhooks: the submit URL's fal_webhook query parameter; deliveries are signed with Ed25519
  -- (request id, user id, timestamp, then the body's hex SHA-256, joined by "\n"; ±300 s) against
  -- fal's JWKS; the page names rest.alpha.fal.ai, many integrations rest.fal.ai (reading chosen: the
  -- page's). No caller secret. A delivery's body ({"status": "OK", "payload": …}) is no poll
  -- answer: a verified one is news, and the task polls at once (docs/providers/fal.md)
  webhook = {
    url_query = "fal_webhook",
    scheme = "ed25519",
    keys_url = "https://rest.alpha.fal.ai/.well-known/jwks.json",
    signature_header = "x-fal-webhook-signature",
    signed_headers = { "x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp" },
    id_header = "x-fal-webhook-request-id",
    timestamp_header = "x-fal-webhook-timestamp",
  },
  -- cost: the result fetch's x-fal-billable-units header, "how many billing units to charge", in
  -- the endpoint's own unit (image, megapixel, second…), × that endpoint's unit price. fal
  -- publishes its unit prices through a keyed pricing API ("custom pricing or discounts may be
  -- applied based on account status"), and the pages read give them mostly from third parties or
  -- by resolution: no price table here. A client's prices option (docs/providers.md, Cost) names
  -- the caller's own unit price per endpoint; without one the billed units price nothing.
  -- A failure: "you pay only for successful outputs, and you are never charged for server errors"
  -- (the pricing page); a 422 (validation, content policy) may be charged (the FAQ), and a running
  -- request that is cancelled may bill until it ends: those stay unknown unless billed units come
  cost = {
    currency = "USD",
    header = "x-fal-billable-units",
    failed_free = { "server_error", "unavailable", "timeout", "generation_failed" },
  },
  fields = {
    id = "request_id",
    state = "status",
    poll_url = "status_url",
    result_url = "response_url",
    -- image models' images[].url (the webhook page's payload), video models' video.url (a model
    -- page's output); image.url and audio.url (the queue page: model-specific)
    results = { "images[].url", "image.url", "video.url", "audio.url" },
    -- a COMPLETED request that failed carries error and error_type (the SDK's Completed)
    failure = "error",
    error_code = { "detail[].type", "error_type" },
    error_message = { "detail[].msg", "detail", "error" },
  },
  states = {
    IN_QUEUE = "pending",
    IN_PROGRESS = "running",
    -- "stored and available for retrieval": a success, or a failure the error fields or the
    -- result fetch's HTTP status say
    COMPLETED = "succeeded",
  },
  codes = error_types,
  http_codes = error_types,
  request_id_headers = { "x-fal-request-id" },
  -- no max_in_flight: over the account's concurrency a request waits IN_QUEUE, "never rejected"
  -- (concurrency-limits page)
  -- for the gentask command: fal's own variable name, and the usual image input's name
  key_env = "FAL_KEY", input_image_param = "image_url",
}
