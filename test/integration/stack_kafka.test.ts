import { Kafka, logLevel } from 'kafkajs';
import { stackUrls, uniqueName } from '../stack_env';

describe('development Kafka', () => {
  it('delivers produced messages to a consumer group and keeps its committed offsets', async () => {
    const kafka = new Kafka({
      clientId: 'apt-test',
      brokers: stackUrls().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('apt-test');
    const groupId = uniqueName('apt-group');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 40 }, (_, i) => ({
      key: `k${i % 4}`,
      value: JSON.stringify({ n: i }),
    }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${received.length} of 40 messages arrived`)),
        60000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push((JSON.parse(message.value!.toString()) as { n: number }).n);
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect([...received].sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));

    // The group's committed offsets add up to everything it consumed.
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(40);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});
