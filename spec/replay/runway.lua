-- Runway's replayed flow (replay/runway.json): what its documentation says each ends as.
return {
  model = "gen4_image",
  -- text_to_image wants a ratio (the SDK's call); the driver's prompt is the promptText
  params = { ratio = "1920:1080" },
  -- a FAILED task without failureCode (optional in the SDK's type): its state is the code
  failed = { kind = "generation_failed", code = "FAILED" },
  -- SAFETY.INPUT.* (the task-failures page): an input refused by moderation, not retried
  moderated = { kind = "moderated", stage = "input", code = "SAFETY.INPUT.TEXT", retryable = false },
  -- the 401 body is not documented (completed by us); the status decides
  auth = { kind = "authentication", status = 401 },
  -- DELETE /v1/tasks/{id} answers 2xx without a body: Runway took it
  cancel = { confirmed = true },
  -- not keyed: output URLs are signed CloudFront URLs on another host
  cli = { args = "--param ratio=1920:1080" },
}
