-- A chatbot's settings (personality, starter questions, appearance, language, allowed origins,
-- lead capture, answer policy, temperature, max tokens) as one JSON document.
ALTER TABLE chatbots ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
