-- Conversation lifecycle: open, escalated to a human, or ended (by the visitor, an agent or
-- inactivity); and the owner's tags (a JSON array).
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE conversations ADD COLUMN ended_at INTEGER;
ALTER TABLE conversations ADD COLUMN ended_reason TEXT;
ALTER TABLE conversations ADD COLUMN escalated_at INTEGER;
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
CREATE INDEX conversations_status_updated ON conversations (status, updated_at);

-- People a workspace knows, with custom attributes (a JSON object); one per email.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT,
    phone TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
);
CREATE INDEX contacts_workspace_created ON contacts (workspace_id, created_at, id);

-- Details a visitor submitted through a chatbot's widget; each becomes (or updates) a contact.
CREATE TABLE leads (
    id TEXT PRIMARY KEY NOT NULL,
    chatbot_id TEXT NOT NULL REFERENCES chatbots (id) ON DELETE CASCADE,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    name TEXT,
    email TEXT NOT NULL,
    phone TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX leads_chatbot_created ON leads (chatbot_id, created_at, id);

-- A visitor's rating of an answer or a conversation: thumbs up/down or 1 to 5, and a comment.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    chatbot_id TEXT NOT NULL REFERENCES chatbots (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
    thumbs TEXT,
    rating INTEGER,
    comment TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX feedback_chatbot_created ON feedback (chatbot_id, created_at, id);
