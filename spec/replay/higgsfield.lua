-- Higgsfield's replayed flow (replay/higgsfield.json): what its documentation says each ends as.
return {
  model = "higgsfield-ai/soul/standard",
  -- a failed request's "error" is free text with no code: the state is the code
  failed = { kind = "generation_failed", code = "failed", message = "Generation fail message" },
  -- nsfw: "either your input parameters or the generated output", so no stage
  moderated = { kind = "moderated", code = "nsfw" },
  auth = { kind = "authentication", status = 401, message = "Invalid credentials" },
  -- 202 Accepted with an empty body while queued: confirmed
  cancel = { confirmed = true },
  -- outputs need no key (none documented)
  -- the hf_webhook query parameter; deliveries unsigned (none documented): news only
  webhook = { signed = false },
}
