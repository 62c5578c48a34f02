-- A chatbot's model provider key, sealed with the instance key (see secrets.rs); never returned
-- by the API. The provider itself (kind, base URL, model) is in the settings JSON.
ALTER TABLE chatbots ADD COLUMN provider_key TEXT;
