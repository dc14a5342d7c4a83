import createClient from "openapi-fetch";
const c = createClient({ baseUrl: "https://x" });
c.GET("/api/v1/users/{user_id}", { params: { path: { user_id: "u" } } }).then(console.log);
