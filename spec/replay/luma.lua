-- Luma's replayed Dream Machine flow (replay/luma.json): what its documentation says each ends as.
return {
  model = "photon-1",
  -- "Job failed" (the errors page): Luma's side; a failure's code is its state
  failed = { kind = "generation_failed", code = "failed", message = "Job failed" },
  -- "Advanced prompt moderation failed": the prompt refused, read from failure_reason's text
  moderated = { kind = "moderated", stage = "input", retryable = false,
                message = "Advanced prompt moderation failed" },
  -- the 401 body is not documented (completed by us); the status decides
  auth = { kind = "authentication", status = 401 },
  -- no cancel: Luma documents none (DELETE removes a generation)
  -- not keyed: results are plain URLs fetched without the key
  -- the create body's callback_url; no signature documented: a delivery is news only
  webhook = { signed = false },
}
