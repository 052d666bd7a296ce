-- Hostile and broken responses every provider can meet (a proxy's HTML page, a cut connection,
-- wrong JSON types): the same rows for each, produced by the simulator in each dialect.
return {
  { name = "empty body", scenario = "body=empty", kind = "protocol", status = 200, submitted = "unknown",
    response = { status = 200, body = "" } },
  { name = "HTML error page from a proxy", scenario = "body=html", kind = "server_error", status = 502,
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

  -- polls are tried again (they cost nothing), then the task fails with what the last one said
  { name = "malformed poll", scenario = "poll-body=malformed", kind = "protocol", phase = "poll" },
  { name = "empty poll", scenario = "poll-body=empty", kind = "protocol", phase = "poll" },
  { name = "truncated poll", scenario = "poll-body=truncated", kind = "protocol", phase = "poll" },
  { name = "huge poll", scenario = "poll-body=huge", kind = "protocol", phase = "poll" },
  { name = "poll not an object", scenario = "poll-body=notobject", kind = "protocol", phase = "poll" },
  { name = "wrong types in a poll", scenario = "poll-body=wrongtypes", kind = "protocol", phase = "poll" },
  { name = "HTML poll", scenario = "poll-body=html", kind = "server_error", status = 502, phase = "poll" },
  { name = "poll 500", scenario = "poll-http=500", kind = "server_error", status = 500, phase = "poll" },
  { name = "poll reset", scenario = "poll-reset", kind = "network", phase = "poll", no_response = true },
}
