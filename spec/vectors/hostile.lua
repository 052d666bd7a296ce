-- Hostile and broken responses every provider can meet (a proxy's HTML page, a cut connection,
-- wrong JSON types): the same rows for each, produced by the simulator in each dialect.
--   [cf] Cloudflare's 5xx pages, which stand in front of a provider's server:
--        https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/
--        521 (web server down: connection refused), 522 (connection timed out), 523 (origin
--        unreachable), 525 (SSL handshake failed) and 526 (invalid SSL certificate) fail before
--        the request is sent to the server; 520 (an empty or unknown answer) and 524 (the server
--        took the connection and did not answer within 100 s) may come after it got the request

-- Cloudflare's page as the simulator sends it (cdn=STATUS): HTML, no provider request id.
local function cloudflare_page(status, title)
  return ("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><title>api.example | %d: %s</title></head>\n"
    .. "<body><div id=\"cf-error-details\"><h1><span>%s</span> <span>Error code %d</span></h1>\n"
    .. "<p>Cloudflare Ray ID: <strong>8e2f6c1a9b3d4e5f</strong></p></div></body>\n</html>\n"):format(status, title, title, status)
end

local function cdn_row(status, title, kind, submitted)
  return { name = ("Cloudflare %d page (%s)"):format(status, title), scenario = "cdn=" .. status, kind = kind,
           status = status, submitted = submitted, no_request_id = true,
           response = { status = status, headers = { Server = "cloudflare" }, body = cloudflare_page(status, title) } }
end

return {
  { name = "empty body", scenario = "body=empty", kind = "protocol", status = 200, submitted = "unknown",
    response = { status = 200, body = "" } },
  -- a gateway in front of the provider got no answer from it: the service is down for now
  { name = "HTML error page from a proxy", scenario = "body=html", kind = "unavailable", status = 502,
    submitted = "unknown", response = { status = 502, body = "<html><body><h1>502 Bad Gateway</h1></body></html>" } },
  { name = "JSON that is not an object", scenario = "body=notobject", kind = "protocol", status = 200,
    submitted = "unknown", response = { status = 200, body = "[1,2,3]" } },
  { name = "malformed JSON", scenario = "body=malformed", kind = "protocol", status = 200, submitted = "unknown",
    response = { status = 200, body = [[{"id": "task-]] } },
  { name = "wrong JSON types", scenario = "body=wrongtypes", kind = "protocol", status = 200, submitted = "unknown" },
  { name = "no task id", scenario = "body=noid", kind = "protocol", status = 200, submitted = "unknown" },
  { name = "truncated body", scenario = "body=truncated", kind = "protocol", submitted = "unknown" },
  { name = "huge body", scenario = "body=huge", kind = "protocol", submitted = "unknown" },
  { name = "connection reset", scenario = "reset", kind = "network", submitted = "unknown", no_response = true },

  -- a CDN's own error page in place of the provider's answer [cf]: a general rule of the core,
  -- whatever the profile. The request never reached the server: not sent, so it may be resent
  cdn_row(521, "Web server is down", "unavailable", "no"),
  cdn_row(522, "Connection timed out", "unavailable", "no"),
  cdn_row(523, "Origin is unreachable", "unavailable", "no"),
  cdn_row(525, "SSL handshake failed", "server_error", "no"),
  cdn_row(526, "Invalid SSL certificate", "server_error", "no"),
  -- … or it may have: the submission state stays unknown
  cdn_row(520, "Web server is returning an unknown error", "server_error", "unknown"),
  cdn_row(524, "A timeout occurred", "server_error", "unknown"),

  -- polls are tried again (they cost nothing), then the task fails with what the last one said
  { name = "malformed poll", scenario = "poll-body=malformed", kind = "protocol", phase = "poll" },
  { name = "empty poll", scenario = "poll-body=empty", kind = "protocol", phase = "poll" },
  { name = "truncated poll", scenario = "poll-body=truncated", kind = "protocol", phase = "poll" },
  { name = "huge poll", scenario = "poll-body=huge", kind = "protocol", phase = "poll" },
  { name = "poll not an object", scenario = "poll-body=notobject", kind = "protocol", phase = "poll" },
  { name = "wrong types in a poll", scenario = "poll-body=wrongtypes", kind = "protocol", phase = "poll" },
  { name = "HTML poll", scenario = "poll-body=html", kind = "unavailable", status = 502, phase = "poll" },
  { name = "poll 500", scenario = "poll-http=500", kind = "server_error", status = 500, phase = "poll" },
  { name = "poll reset", scenario = "poll-reset", kind = "network", phase = "poll", no_response = true },
  { name = "Cloudflare 522 page at a poll", scenario = "poll-cdn=522", kind = "unavailable", status = 522,
    phase = "poll", no_request_id = true,
    response = { phase = "poll", status = 522, body = cloudflare_page(522, "Connection timed out") } },
  { name = "Cloudflare 524 page at a poll", scenario = "poll-cdn=524", kind = "server_error", status = 524,
    phase = "poll", no_request_id = true,
    response = { phase = "poll", status = 524, body = cloudflare_page(524, "A timeout occurred") } },
}
