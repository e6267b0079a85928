// A CRM step written in Node.js with the official CloudEvents SDK (npm "cloudevents"): proof that a step of a
// Sagas saga can run in another language. It answers a com.example.checkout.update-crm.v1 command with a
// dev.sagas.step.completed.v1 reply, in structured mode, like any Sagas function host.
const http = require("node:http");
const { HTTP, CloudEvent } = require("cloudevents");

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const command = HTTP.toEvent({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      command.validate(); // HTTP.toEvent does not validate by itself
      if (command.type !== "com.example.checkout.update-crm.v1") {
        res.writeHead(400, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ title: `unknown event type ${command.type}` }));
        return;
      }

      const reply = new CloudEvent({
        type: "dev.sagas.step.completed.v1",
        source: "/node/crm",
        id: `${command.id}-reply`,
        subject: command.subject,
        correlationid: command.subject,
        causationid: command.id,
        datacontenttype: "application/json",
        data: {
          sagaId: command.subject,
          step: command.sagastep,
          attempt: Number(command.sagaattempt),
          compensation: command.sagacompensate === true || command.sagacompensate === "true",
          result: { crmRecord: `node-${command.data.customerId}` },
        },
      });
      const message = HTTP.structured(reply);
      res.writeHead(200, message.headers);
      res.end(message.body);
      console.log(`handled ${command.id} for saga ${command.subject}`);
    } catch (error) {
      res.writeHead(400, { "content-type": "application/problem+json" });
      res.end(JSON.stringify({ title: "invalid CloudEvent", detail: String(error) }));
    }
  });
});

server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
