-- Access token audiences (RFC 9068 §3, RFC 8707) and reuse detection that outlives pruning.

-- The `aud` of each access token; NULL for tokens issued before audiences were recorded (their
-- `aud` was the client id).
ALTER TABLE access_tokens ADD COLUMN audience text[];

-- The pruner keeps a flow's code and refresh tokens while any refresh token of the flow lives.
CREATE INDEX refresh_tokens_flow ON refresh_tokens (flow_id, expires_at);
CREATE INDEX authorization_codes_flow ON authorization_codes (flow_id);

-- Where RP-initiated logout may send the browser (OpenID Connect RP-Initiated Logout §3).
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris text[];
