use crate::on_both_backends;

on_both_backends! {
    async fn healthz_answers_ok_while_the_process_is_up(app) {
        let response = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }

    async fn readyz_reports_the_migrated_database(app) {
        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ready");
        let expected = if app.config.database.database_url.is_some() { "postgres" } else { "sqlite" };
        assert_eq!(body["storage"], expected);
    }

    async fn readyz_answers_503_when_migrations_are_missing(app) {
        // Forgetting the applied migrations makes the schema look out of date.
        sqlx::query("DELETE FROM _sqlx_migrations").execute(app.db.pool()).await.unwrap();
        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "unavailable");
    }
}
