-- The dashboard and the inbox read a workspace's conversations by recent activity: the
-- conversations of a chatbot active since a time (whose messages and escalations may fall in a
-- period), and the latest change to any of them (what wakes an open inbox).
CREATE INDEX conversations_chatbot_updated ON conversations (chatbot_id, updated_at);
