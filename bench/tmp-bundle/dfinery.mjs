import { createDfineryClient } from "@cdpkit/dfinery";
const c = createDfineryClient({ serviceId: "s", importToken: "t" });
c.GET("/api/v1/users/{user_id}", { params: { path: { user_id: "u" } } }).then(console.log);
