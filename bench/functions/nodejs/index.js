// The Node.js baseline: the smallest nodejs20.x function (handler index.handler).
exports.handler = async () => ({ message: "Hello World" });
